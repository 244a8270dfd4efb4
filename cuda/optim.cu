// Fused optimizer steps: one thread per element, one pass over the parameter and its state. The
// per-element math is adam_element (tensor/optim_math.h), the same function the CPU kernel runs.
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "tensor/optim_math.h"

namespace muse::cuda {
namespace {

// vmax is null unless AMSGrad; AdamParams travels by value in the kernel's parameter space.
template <class T>
__global__ void adam_kernel(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, AdamParams a) {
  int64_t step = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += step)
    adam_element(p[i], g[i], m[i], v[i], vmax != nullptr ? vmax + i : nullptr, a);
}

}  // namespace

void adam(const Array& param, const Array& grad, const Array& exp_avg, const Array& exp_avg_sq,
          const Array& max_exp_avg_sq, const AdamParams& a) {
  int64_t n = param.numel();
  if (n == 0) return;
  dispatch_float(param.dtype, "adam", [&]<class T>() {
    T* vmax = a.amsgrad ? max_exp_avg_sq.data<T>() : nullptr;
    adam_kernel<T><<<blocks_for(n), kThreads>>>(param.data<T>(), grad.data<T>(), exp_avg.data<T>(),
                                                 exp_avg_sq.data<T>(), vmax, n, a);
    MUSE_LAUNCH_CHECK();
  });
}

}  // namespace muse::cuda
