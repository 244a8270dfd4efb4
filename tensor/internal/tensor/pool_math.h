// The per-output math of 2-D max pooling, shared by the CPU kernel and the CUDA one.
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/backend.h"
#include "tensor/hd.h"

namespace muse {

// Output (oh, ow) of one (H, W) plane: the window's rows are oh * sh - ph + i * dh for i in [0, kh)
// (likewise columns), those outside [0, H) x [0, W) being padding. The value is the largest element
// and index its flat position h * W + w. As PyTorch 1.13's CPU kernel: the running maximum starts at
// -inf with the window's first in-range position, and an element replaces it when it is greater or
// NaN (v != v), so ties keep the first and NaNs the last.
template <class T>
MUSE_HD inline void max_pool2d_element(const T* plane, int64_t H, int64_t W, int64_t oh, int64_t ow,
                                       const Pool2dParams& p, T* value, int64_t* index) {
  int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
  // The first in-range row and column of the window (the kernel's own rows start at h0 + i * dh).
  int64_t i0 = h0 < 0 ? (-h0 + p.dh - 1) / p.dh : 0, j0 = w0 < 0 ? (-w0 + p.dw - 1) / p.dw : 0;
  T best = -T(INFINITY);
  int64_t best_at = (h0 + i0 * p.dh) * W + (w0 + j0 * p.dw);
  for (int64_t i = i0; i < p.kh; ++i) {
    int64_t h = h0 + i * p.dh;
    if (h >= H) break;
    for (int64_t j = j0; j < p.kw; ++j) {
      int64_t w = w0 + j * p.dw;
      if (w >= W) break;
      T v = plane[h * W + w];
      if (v > best || v != v) {
        best = v;
        best_at = h * W + w;
      }
    }
  }
  *value = best;
  *index = best_at;
}

}  // namespace muse
