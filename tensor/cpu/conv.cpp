// im2col and col2im, the data movement of convolution as a GEMM (index math in tensor/conv_math.h).
//   im2col: cols (C*kh*kw, N*Ho*Wo)[(c, i, j), (n, oh, ow)] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]
//   col2im: its adjoint, every entry of cols added back onto the input position it was read from.
// Both walk whole output rows: for a tap (i, j) the outputs ow that land inside the image form one range
// [lo, hi) (conv::valid_outputs), so a row is zeros, a strided copy, zeros; strides 1 and 2 are
// compile-time constants, so those copies vectorise. im2col shares (row of cols, image) pairs among the threads; col2im shares the
// (n, c) planes of dx, which no two threads write, so it needs no atomics.
#include <algorithm>

#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

// The stride along W as a compile-time constant where it is 1 or 2 (dcgan's), so that the strided loops
// below vectorise; 0 means the runtime value.
template <class F>
void with_stride(int64_t sw, F f) {
  if (sw == 1) return f.template operator()<1>();
  if (sw == 2) return f.template operator()<2>();
  f.template operator()<0>();
}

// The Ho x Wo block of cols for row r = (c, i, j) and image n: dst points at cols[r, n*Ho*Wo].
template <int kSw, class T>
void im2col_block(const T* x, const ConvGeometry& g, int64_t r, int64_t n, T* dst) {
  int64_t sw = kSw ? kSw : g.sw;
  int64_t j = r % g.kw, i = (r / g.kw) % g.kh, c = r / (g.kw * g.kh);
  conv::Range ow = conv::valid_outputs(j, sw, g.pw, g.dw, g.w, g.wo);
  int64_t iw0 = conv::input_at(0, j, sw, g.pw, g.dw);
  const T* image = x + (n * g.c + c) * g.h * g.w;
  for (int64_t oh = 0; oh < g.ho; ++oh, dst += g.wo) {
    int64_t ih = conv::input_at(oh, i, g.sh, g.ph, g.dh);
    if (ih < 0 || ih >= g.h) {
      std::fill(dst, dst + g.wo, T(0));
      continue;
    }
    const T* src = image + ih * g.w + iw0;
    std::fill(dst, dst + ow.lo, T(0));
    for (int64_t o = ow.lo; o < ow.hi; ++o) dst[o] = src[o * sw];
    std::fill(dst + ow.hi, dst + g.wo, T(0));
  }
}

// The (n, c) plane of dx (H, W): zeroed, then every cols entry of rows (c, i, j) and image n added in.
template <int kSw, class T>
void col2im_plane(const T* cols, const ConvGeometry& g, int64_t n, int64_t c, T* plane) {
  int64_t sw = kSw ? kSw : g.sw;
  std::fill(plane, plane + g.h * g.w, T(0));
  int64_t ncols = g.cols();
  for (int64_t i = 0; i < g.kh; ++i) {
    conv::Range oh = conv::valid_outputs(i, g.sh, g.ph, g.dh, g.h, g.ho);
    for (int64_t j = 0; j < g.kw; ++j) {
      conv::Range ow = conv::valid_outputs(j, sw, g.pw, g.dw, g.w, g.wo);
      int64_t iw0 = conv::input_at(0, j, sw, g.pw, g.dw);
      const T* row = cols + ((c * g.kh + i) * g.kw + j) * ncols + n * g.ho * g.wo;
      for (int64_t o = oh.lo; o < oh.hi; ++o) {
        const T* src = row + o * g.wo;
        T* dst = plane + conv::input_at(o, i, g.sh, g.ph, g.dh) * g.w + iw0;
        for (int64_t q = ow.lo; q < ow.hi; ++q) dst[q * sw] += src[q];
      }
    }
  }
}

}  // namespace

void im2col(const Array& x, const ConvGeometry& g, const Array& cols) {
  int64_t block = g.ho * g.wo;
  if (g.rows() * g.cols() == 0) return;
  dispatch_float(cols.dtype, "im2col", [&]<class T>() {
    const T* px = x.data<T>();
    T* pc = cols.data<T>();
    int64_t ncols = g.cols();
    with_stride(g.sw, [&]<int kSw>() {
      parallel::parallel_for(g.rows() * g.n, std::max<int64_t>(1, kGrain / block), [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
          int64_t r = t / g.n, n = t % g.n;
          im2col_block<kSw>(px, g, r, n, pc + r * ncols + n * block);
        }
      });
    });
  });
}

void col2im(const Array& cols, const ConvGeometry& g, const Array& dx) {
  int64_t plane = g.h * g.w;
  if (g.n * g.c * plane == 0) return;
  dispatch_float(dx.dtype, "col2im", [&]<class T>() {
    const T* pc = cols.data<T>();
    T* pd = dx.data<T>();
    int64_t work = std::max<int64_t>(1, g.kh * g.kw * g.ho * g.wo);
    with_stride(g.sw, [&]<int kSw>() {
      parallel::parallel_for(g.n * g.c, std::max<int64_t>(1, kGrain / work), [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) col2im_plane<kSw>(pc, g, t / g.c, t % g.c, pd + t * plane);
      });
    });
  });
}

}  // namespace muse::cpu
