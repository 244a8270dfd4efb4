// Fused optimizer kernels: one pass over the parameter and its state, the per-element math in
// tensor/optim_math.h. Every array is contiguous, so each thread runs a plain indexed loop over its
// range, which GCC vectorises (float32 and float64).
#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/optim_math.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

// AMSGrad is a template flag, so the plain loop has no max_exp_avg_sq stream at all. The pointers are
// restrict (the optimizer owns five distinct buffers) so the loop needs no runtime alias checks.
template <class T, bool kAmsgrad>
void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                T* __restrict vmax, const AdamParams a, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    adam_element(p[i], g[i], m[i], v[i], kAmsgrad ? vmax + i : nullptr, a);
  }
}

}  // namespace

void adam(const Array& param, const Array& grad, const Array& exp_avg, const Array& exp_avg_sq,
          const Array& max_exp_avg_sq, const AdamParams& a) {
  dispatch_float(param.dtype, "adam", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* m = exp_avg.data<T>();
    T* v = exp_avg_sq.data<T>();
    T* vmax = a.amsgrad ? max_exp_avg_sq.data<T>() : nullptr;
    parallel::parallel_for(param.numel(), kGrain, [&](int64_t b, int64_t e) {
      if (a.amsgrad) adam_range<T, true>(p, g, m, v, vmax, a, b, e);
      else adam_range<T, false>(p, g, m, v, vmax, a, b, e);
    });
  });
}

}  // namespace muse::cpu
