// y = f(x) and dx = dy * f'(x) over contiguous arrays. The per-element math is the functors of
// tensor/elementwise_math.h, the same code the CPU kernels run; this file only moves memory, 16 bytes
// per load and store when the pointers allow it.
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "tensor/elementwise_math.h"

namespace muse::cuda {
namespace {

// y[i] = f(x[i]), N elements per vector (N = 1: plain loads, for unaligned pointers).
template <int N, class T, class R, class F>
__global__ void unary_forward_kernel(const T* x, R* y, int64_t n, F f) {
  int64_t step = int64_t{gridDim.x} * blockDim.x, first = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  for (int64_t i = first; i < n / N; i += step) {
    Vec<T, N> in = reinterpret_cast<const Vec<T, N>*>(x)[i];
    Vec<R, N> out;
#pragma unroll
    for (int j = 0; j < N; ++j) out.v[j] = f(in.v[j]);
    reinterpret_cast<Vec<R, N>*>(y)[i] = out;
  }
  for (int64_t i = n / N * N + first; i < n; i += step) y[i] = f(x[i]);
}

// dx[i] = f.grad(x[i], dy[i]).
template <int N, class T, class F>
__global__ void unary_backward_kernel(const T* x, const T* dy, T* dx, int64_t n, F f) {
  int64_t step = int64_t{gridDim.x} * blockDim.x, first = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  for (int64_t i = first; i < n / N; i += step) {
    Vec<T, N> a = reinterpret_cast<const Vec<T, N>*>(x)[i], g = reinterpret_cast<const Vec<T, N>*>(dy)[i], out;
#pragma unroll
    for (int j = 0; j < N; ++j) out.v[j] = f.grad(a.v[j], g.v[j]);
    reinterpret_cast<Vec<T, N>*>(dx)[i] = out;
  }
  for (int64_t i = n / N * N + first; i < n; i += step) dx[i] = f.grad(x[i], dy[i]);
}

}  // namespace

void unary(UnaryOp op, const Array& x, const Array& y, UnaryParams p) {
  int64_t n = x.numel();
  dispatch(x.dtype, [&]<class T>() {
    ew::visit_unary<T>(op, p, [&](auto f) {
      using R = decltype(f(T{}));
      constexpr int kN = kVec<T>;
      if (n == 0) return;
      if (aligned(x.raw(), 16) && aligned(y.raw(), sizeof(R) * kN))
        unary_forward_kernel<kN><<<blocks_for(n / kN + 1), kThreads>>>(x.data<T>(), y.data<R>(), n, f);
      else
        unary_forward_kernel<1><<<blocks_for(n), kThreads>>>(x.data<T>(), y.data<R>(), n, f);
      MUSE_LAUNCH_CHECK();
    });
  });
}

void unary_backward(UnaryOp op, const Array& x, const Array& dy, const Array& dx, UnaryParams p) {
  int64_t n = x.numel();
  dispatch_float(x.dtype, ew::unary_name(op), [&]<class T>() {
    ew::visit_unary<T>(op, p, [&](auto f) {
      constexpr int kN = kVec<T>;
      if (n == 0) return;
      if (aligned(x.raw(), 16) && aligned(dy.raw(), 16) && aligned(dx.raw(), 16))
        unary_backward_kernel<kN><<<blocks_for(n / kN + 1), kThreads>>>(x.data<T>(), dy.data<T>(), dx.data<T>(), n, f);
      else
        unary_backward_kernel<1><<<blocks_for(n), kThreads>>>(x.data<T>(), dy.data<T>(), dx.data<T>(), n, f);
      MUSE_LAUNCH_CHECK();
    });
  });
}

}  // namespace muse::cuda
