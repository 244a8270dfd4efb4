// Walking arrays with arbitrary strides. Adjacent dimensions that are laid out back to back in every
// operand are merged first, so a contiguous array is one long row; then the rows (all dimensions but
// the last) are shared among the threads and each row is a simple strided loop.
#pragma once

#include <array>
#include <cstdint>

#include "tensor/array.h"
#include "tensor/cpu/dispatch.h"
#include "tensor/parallel.h"

namespace muse::cpu {

template <int N>
struct StridedLayout {
  Shape shape;
  std::array<Shape, N> strides;

  // Drops size-1 dims and merges dim i into dim i+1 when every operand steps over it evenly.
  StridedLayout(const Shape& s, const std::array<Shape, N>& st) {
    for (int64_t d = 0; d < s.size(); ++d) {
      if (s[d] == 1) continue;
      bool merge = shape.size() > 0;
      for (int k = 0; k < N && merge; ++k) {
        merge = strides[k].back() == st[k][d] * s[d];
      }
      if (merge) {
        shape[shape.size() - 1] *= s[d];
        for (int k = 0; k < N; ++k) strides[k][strides[k].size() - 1] = st[k][d];
      } else {
        shape.push_back(s[d]);
        for (int k = 0; k < N; ++k) strides[k].push_back(st[k][d]);
      }
    }
    if (shape.size() == 0) {
      shape.push_back(1);
      for (int k = 0; k < N; ++k) strides[k].push_back(0);
    }
  }
};

// Calls row(offsets, length, inner_strides) for every row, in parallel when the array is large.
// offsets[k] is the element offset of the row's first element in operand k.
template <int N, class Row>
void for_each_row(const StridedLayout<N>& layout, Row&& row) {
  const Shape& shape = layout.shape;
  int64_t nd = shape.size(), len = shape[nd - 1], rows = shape.numel() / (len ? len : 1);
  if (len == 0) return;
  std::array<int64_t, N> inner;
  for (int k = 0; k < N; ++k) inner[k] = layout.strides[k][nd - 1];
  int64_t grain = std::max<int64_t>(1, kGrain / len);
  parallel::parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      std::array<int64_t, N> off{};
      int64_t rem = r;
      for (int64_t d = nd - 2; d >= 0; --d) {
        int64_t i = rem % shape[d];
        rem /= shape[d];
        for (int k = 0; k < N; ++k) off[k] += i * layout.strides[k][d];
      }
      row(off, len, inner);
    }
  });
}

}  // namespace muse::cpu
