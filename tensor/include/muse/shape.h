// Shape: the sizes of a tensor's dimensions, stored inline (no heap allocation) for up to kMaxDims
// dimensions. Also used for strides. Printed as PyTorch prints sizes: (3, 4); a 0-dim shape is ().
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <vector>

#include "muse/error.h"

namespace muse {

class Shape {
 public:
  static constexpr int kMaxDims = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> sizes) { assign(sizes.begin(), sizes.end()); }
  explicit Shape(const std::vector<int64_t>& sizes) { assign(sizes.begin(), sizes.end()); }

  int64_t size() const { return ndim_; }
  bool empty() const { return ndim_ == 0; }
  int64_t& operator[](int64_t i) { return v_[i]; }
  int64_t operator[](int64_t i) const { return v_[i]; }
  int64_t* begin() { return v_.data(); }
  int64_t* end() { return v_.data() + ndim_; }
  const int64_t* begin() const { return v_.data(); }
  const int64_t* end() const { return v_.data() + ndim_; }
  int64_t back() const { return v_[ndim_ - 1]; }

  void push_back(int64_t x) {
    check(ndim_ < kMaxDims, "shape: at most ", kMaxDims, " dimensions are supported");
    v_[ndim_++] = x;
  }
  void insert(int64_t pos, int64_t x) {
    push_back(0);
    std::copy_backward(v_.begin() + pos, v_.begin() + ndim_ - 1, v_.begin() + ndim_);
    v_[pos] = x;
  }
  void erase(int64_t pos) {
    std::copy(v_.begin() + pos + 1, v_.begin() + ndim_, v_.begin() + pos);
    --ndim_;
  }
  std::vector<int64_t> vec() const { return {begin(), end()}; }

  // Product of the sizes: the element count of a tensor of this shape (1 for a 0-dim shape).
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : *this) n *= s;
    return n;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.ndim_ == b.ndim_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  template <class It>
  void assign(It first, It last) {
    check(last - first <= kMaxDims, "shape: at most ", kMaxDims, " dimensions are supported, got ",
          last - first);
    ndim_ = static_cast<int>(last - first);
    std::copy(first, last, v_.begin());
  }

  std::array<int64_t, kMaxDims> v_{};
  int ndim_ = 0;
};

inline std::ostream& operator<<(std::ostream& out, const Shape& s) {
  out << '(';
  for (int64_t i = 0; i < s.size(); ++i) out << (i ? ", " : "") << s[i];
  return out << (s.size() == 1 ? ",)" : ")");
}

}  // namespace muse
