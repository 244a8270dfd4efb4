// Max pooling of (planes, H, W) arrays: one thread per output runs max_pool2d_element
// (tensor/pool_math.h), the function the CPU kernel runs, so both give the same values and indices.
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "tensor/pool_math.h"

namespace muse::cuda {
namespace {

template <class T>
__global__ void max_pool2d_forward_kernel(const T* x, T* values, int64_t* indices, int64_t total, int64_t H,
                                          int64_t W, int64_t Ho, int64_t Wo, Pool2dParams p) {
  for (int64_t o = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; o < total; o += int64_t{gridDim.x} * blockDim.x) {
    int64_t plane = o / (Ho * Wo), oh = o / Wo % Ho, ow = o % Wo;
    max_pool2d_element(x + plane * H * W, H, W, oh, ow, p, values + o, indices + o);
  }
}

}  // namespace

void max_pool2d(const Array& x, const Pool2dParams& p, const Array& values, const Array& indices) {
  int64_t nd = x.ndim(), total = values.numel();
  if (total == 0) return;
  dispatch_float(x.dtype, "max_pool2d", [&]<class T>() {
    max_pool2d_forward_kernel<<<blocks_for(total), kThreads>>>(x.data<T>(), values.data<T>(), indices.data<int64_t>(),
                                                               total, x.shape[nd - 2], x.shape[nd - 1],
                                                               values.shape[nd - 2], values.shape[nd - 1], p);
    MUSE_LAUNCH_CHECK();
  });
}

}  // namespace muse::cuda
