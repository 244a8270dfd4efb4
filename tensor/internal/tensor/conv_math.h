// The index math of 2-D convolution, shared by the CPU and CUDA im2col / col2im kernels.
// A convolution of x (N, C, H, W) with a (kh, kw) kernel reads, for output position (oh, ow) and kernel
// tap (i, j), the input position
//   ih = oh * sh - ph + i * dh,   iw = ow * sw - pw + j * dw
// (s stride, p padding, d dilation); positions outside [0, H) x [0, W) are zero padding.
// The column matrix of im2col is (C * kh * kw, N * Ho * Wo): row r = (c, i, j), column q = (n, oh, ow).
#pragma once

#include <cstdint>

#include "tensor/hd.h"

namespace muse {

struct ConvGeometry {
  int64_t n, c, h, w;  // the image side: x of im2col, dx of col2im (N, C, H, W)
  int64_t kh, kw;      // kernel size
  int64_t sh, sw;      // stride
  int64_t ph, pw;      // padding (zeros on each side)
  int64_t dh, dw;      // dilation
  int64_t ho, wo;      // output size: (H + 2 ph - dh (kh - 1) - 1) / sh + 1, and likewise for W

  MUSE_HD int64_t rows() const { return c * kh * kw; }
  MUSE_HD int64_t cols() const { return n * ho * wo; }
};

namespace conv {

// The input coordinate that output coordinate o reads through kernel tap k (may lie in the padding).
MUSE_HD inline int64_t input_at(int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
  return o * stride - pad + k * dilation;
}

// The outputs o in [lo, hi) whose tap k reads inside [0, size): lo = the first o with input_at >= 0,
// hi = one past the last with input_at < size, both clamped to [0, count].
struct Range {
  int64_t lo, hi;
};
MUSE_HD inline Range valid_outputs(int64_t k, int64_t stride, int64_t pad, int64_t dilation, int64_t size,
                                   int64_t count) {
  int64_t first = pad - k * dilation;               // o * stride >= first
  int64_t last = size - 1 + pad - k * dilation;     // o * stride <= last
  int64_t lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  int64_t hi = last < 0 ? 0 : last / stride + 1;
  lo = lo < count ? lo : count;
  hi = hi < count ? hi : count;
  return {lo, hi < lo ? lo : hi};
}

// The offset in x (N, C, H, W) that column entry (r, q) of im2col reads, or -1 for padding.
MUSE_HD inline int64_t im2col_source(const ConvGeometry& g, int64_t r, int64_t q) {
  int64_t j = r % g.kw, i = (r / g.kw) % g.kh, c = r / (g.kw * g.kh);
  int64_t ow = q % g.wo, oh = (q / g.wo) % g.ho, n = q / (g.wo * g.ho);
  int64_t ih = input_at(oh, i, g.sh, g.ph, g.dh), iw = input_at(ow, j, g.sw, g.pw, g.dw);
  if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return -1;
  return ((n * g.c + c) * g.h + ih) * g.w + iw;
}

// The output coordinate o whose tap k reads input coordinate in, or -1 when no output does.
MUSE_HD inline int64_t output_reading(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation,
                                      int64_t count) {
  int64_t t = in + pad - k * dilation;  // = o * stride
  if (t < 0 || t % stride != 0) return -1;
  int64_t o = t / stride;
  return o < count ? o : -1;
}

// col2im for one element of dx (N, C, H, W) at offset e: the sum of every column entry that im2col
// would have read from it (the adjoint of im2col, gathered rather than scattered).
template <class T>
MUSE_HD T col2im_element(const ConvGeometry& g, const T* cols, int64_t e) {
  int64_t iw = e % g.w, ih = (e / g.w) % g.h, c = (e / (g.w * g.h)) % g.c, n = e / (g.w * g.h * g.c);
  int64_t ncols = g.cols();
  T sum = 0;
  for (int64_t i = 0; i < g.kh; ++i) {
    int64_t oh = output_reading(ih, i, g.sh, g.ph, g.dh, g.ho);
    if (oh < 0) continue;
    for (int64_t j = 0; j < g.kw; ++j) {
      int64_t ow = output_reading(iw, j, g.sw, g.pw, g.dw, g.wo);
      if (ow < 0) continue;
      sum += cols[((c * g.kh + i) * g.kw + j) * ncols + (n * g.ho + oh) * g.wo + ow];
    }
  }
  return sum;
}

}  // namespace conv
}  // namespace muse
