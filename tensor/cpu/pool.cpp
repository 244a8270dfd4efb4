// Max pooling of (planes, H, W) arrays: every output runs max_pool2d_element (tensor/pool_math.h), the
// same function the CUDA kernel runs. Outputs are independent, so threads split them freely.
#include <algorithm>

#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/parallel.h"
#include "tensor/pool_math.h"

namespace muse::cpu {

void max_pool2d(const Array& x, const Pool2dParams& p, const Array& values, const Array& indices) {
  int64_t nd = x.ndim(), H = x.shape[nd - 2], W = x.shape[nd - 1];
  int64_t Ho = values.shape[nd - 2], Wo = values.shape[nd - 1], total = values.numel();
  dispatch_float(x.dtype, "max_pool2d", [&]<class T>() {
    const T* src = x.data<T>();
    T* val = values.data<T>();
    int64_t* idx = indices.data<int64_t>();
    // A unit is one output; each reads at most kh * kw inputs.
    auto outputs = [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        int64_t plane = o / (Ho * Wo), oh = o / Wo % Ho, ow = o % Wo;
        max_pool2d_element(src + plane * H * W, H, W, oh, ow, p, val + o, idx + o);
      }
    };
    parallel::parallel_for(total, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, p.kh * p.kw)), outputs);
  });
}

}  // namespace muse::cpu
