// Walking arrays of any strides on the GPU: element i of the output's shape is found in each operand
// at sum_d coord_d(i) * stride_d. Dimensions that every operand steps over evenly are merged first (a
// contiguous array is one dimension, a row broadcast (N, C) + (C,) two), and coordinates come from
// 32-bit divisions by precomputed multipliers instead of 64-bit divides, the slowest integer
// operation on a GPU.
#pragma once

#include <array>
#include <cstdint>

#include "muse/shape.h"

namespace muse::cuda {

// Division by a fixed d in [1, 2^31) for numerators below 2^31 (Granlund and Montgomery, PLDI 1994):
//   q = (umulhi(n, m) + n) >> s,  s = ceil(log2 d),  m = floor(2^32 (2^s - d) / d) + 1.
struct Divider {
  uint32_t m = 1, s = 0;

  Divider() = default;
  explicit Divider(uint32_t d) {
    while ((uint64_t{1} << s) < d) ++s;
    m = static_cast<uint32_t>((uint64_t{1} << 32) * ((uint64_t{1} << s) - d) / d + 1);
  }
  __device__ __forceinline__ uint32_t div(uint32_t n) const { return (__umulhi(n, m) + n) >> s; }
};

// N operands walked over one shape; operand 0 is usually the output.
template <int N>
struct Strided {
  int nd = 1;
  bool wide = false;  // 2^31 elements or more: plain 64-bit division
  int64_t size[Shape::kMaxDims] = {1};
  Divider div[Shape::kMaxDims];
  int64_t stride[N][Shape::kMaxDims] = {};

  // off[k] = the element offset of element i (row-major over the shape) in operand k.
  __device__ __forceinline__ void offsets(int64_t i, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    if (!wide) {
      uint32_t r = static_cast<uint32_t>(i);
      for (int d = nd - 1; d > 0; --d) {
        uint32_t q = div[d].div(r), c = r - q * static_cast<uint32_t>(size[d]);
        r = q;
#pragma unroll
        for (int k = 0; k < N; ++k) off[k] += static_cast<int64_t>(c) * stride[k][d];
      }
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += static_cast<int64_t>(r) * stride[k][0];
      return;
    }
    for (int d = nd - 1; d >= 0; --d) {
      int64_t c = i % size[d];
      i /= size[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += c * stride[k][d];
    }
  }
};

// The walk of `shape` for operands with these strides: size-1 dims dropped, and dim d merged into the
// dim before it when every operand's stride there is stride[d] * size[d].
template <int N>
Strided<N> make_strided(const Shape& shape, const std::array<Shape, N>& strides) {
  Strided<N> s;
  s.nd = 0;
  for (int64_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = s.nd > 0;
    for (int k = 0; k < N && merge; ++k) merge = s.stride[k][s.nd - 1] == strides[k][d] * shape[d];
    if (merge) {
      s.size[s.nd - 1] *= shape[d];
      for (int k = 0; k < N; ++k) s.stride[k][s.nd - 1] = strides[k][d];
    } else {
      s.size[s.nd] = shape[d];
      for (int k = 0; k < N; ++k) s.stride[k][s.nd] = strides[k][d];
      ++s.nd;
    }
  }
  if (s.nd == 0) {
    s.nd = 1;
    s.size[0] = 1;
    for (int k = 0; k < N; ++k) s.stride[k][0] = 0;
  }
  s.wide = shape.numel() >= (int64_t{1} << 31);
  for (int d = 0; d < s.nd; ++d)
    if (!s.wide) s.div[d] = Divider(static_cast<uint32_t>(s.size[d]));
  return s;
}

// The strides that read a (of fewer or equal dims) as if expanded to `shape` (NumPy rules): 0 along
// broadcast dims.
inline Shape broadcast_strides(const Shape& a_shape, const Shape& a_strides, const Shape& shape) {
  Shape st;
  int64_t lead = shape.size() - a_shape.size();
  for (int64_t d = 0; d < shape.size(); ++d) {
    int64_t da = d - lead;
    st.push_back(da < 0 || a_shape[da] == 1 ? 0 : a_strides[da]);
  }
  return st;
}

}  // namespace muse::cuda
