// Strided copy with dtype conversion, fill and iota.
#include <cmath>

#include "tensor/cpu/kernels.h"
#include "tensor/cpu/strided.h"

namespace muse::cpu {

void copy(const Array& src, const Array& dst) {
  StridedLayout<2> layout(dst.shape, {dst.strides, src.strides});
  dispatch(src.dtype, [&]<class S>() {
    dispatch(dst.dtype, [&]<class D>() {
      const S* s = src.data<S>();
      D* d = dst.data<D>();
      for_each_row(layout, [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
        D* out = d + off[0];
        const S* in = s + off[1];
        if (st[0] == 1 && st[1] == 1) {
          for (int64_t i = 0; i < n; ++i) out[i] = static_cast<D>(in[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) out[i * st[0]] = static_cast<D>(in[i * st[1]]);
        }
      });
    });
  });
}

void fill(const Array& dst, double value) {
  StridedLayout<1> layout(dst.shape, {dst.strides});
  dispatch(dst.dtype, [&]<class T>() {
    T v = static_cast<T>(value);
    T* d = dst.data<T>();
    for_each_row(layout, [&](const std::array<int64_t, 1>& off, int64_t n, const std::array<int64_t, 1>& st) {
      T* out = d + off[0];
      if (st[0] == 1) {
        for (int64_t i = 0; i < n; ++i) out[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) out[i * st[0]] = v;
      }
    });
  });
}

void iota(const Array& out, double start, double step) {
  dispatch(out.dtype, [&]<class T>() {
    T* o = out.data<T>();
    parallel::parallel_for(out.numel(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = static_cast<T>(start + static_cast<double>(i) * step);
    });
  });
}

}  // namespace muse::cpu
