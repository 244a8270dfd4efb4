// Copies with any strides and dtype conversion, fill, iota, and the host <-> device transfers.
#include <cmath>

#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/strided.h"

namespace muse::cuda {
namespace {

// dst[i] = src[i] converted, both contiguous.
template <class S, class D>
__global__ void convert_kernel(const S* src, D* dst, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    dst[i] = static_cast<D>(src[i]);
}

// Operand 0 is dst, operand 1 is src.
template <class S, class D>
__global__ void copy_strided_kernel(const S* src, D* dst, int64_t n, Strided<2> walk) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    int64_t off[2];
    walk.offsets(i, off);
    dst[off[0]] = static_cast<D>(src[off[1]]);
  }
}

// Every element of a contiguous dst = v, N elements per store.
template <class T, int N>
__global__ void fill_kernel(T* dst, int64_t n, T v) {
  int64_t step = int64_t{gridDim.x} * blockDim.x, first = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  Vec<T, N> pack;
#pragma unroll
  for (int j = 0; j < N; ++j) pack.v[j] = v;
  for (int64_t i = first; i < n / N; i += step) reinterpret_cast<Vec<T, N>*>(dst)[i] = pack;
  for (int64_t i = n / N * N + first; i < n; i += step) dst[i] = v;
}

template <class T>
__global__ void fill_strided_kernel(T* dst, int64_t n, Strided<1> walk, T v) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    int64_t off[1];
    walk.offsets(i, off);
    dst[off[0]] = v;
  }
}

// out[i] = start + i * step in double, fused as the CPU kernel's loop is (GCC contracts it to an fma).
template <class T>
__global__ void iota_kernel(T* out, int64_t n, double start, double step) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] = static_cast<T>(fma(static_cast<double>(i), step, start));
}

}  // namespace

void copy(const Array& src, const Array& dst) {
  int64_t n = dst.numel();
  if (n == 0) return;
  if (src.dtype == dst.dtype && src.is_contiguous() && dst.is_contiguous()) {
    MUSE_CUDA_CHECK(cudaMemcpyAsync(dst.raw(), src.raw(), n * element_size(dst.dtype), cudaMemcpyDeviceToDevice));
    return;
  }
  dispatch(src.dtype, [&]<class S>() {
    dispatch(dst.dtype, [&]<class D>() {
      if (src.is_contiguous() && dst.is_contiguous()) {
        convert_kernel<<<blocks_for(n), kThreads>>>(src.data<S>(), dst.data<D>(), n);
      } else {
        Strided<2> walk = make_strided<2>(dst.shape, {dst.strides, src.strides});
        copy_strided_kernel<<<blocks_for(n), kThreads>>>(src.data<S>(), dst.data<D>(), n, walk);
      }
      MUSE_LAUNCH_CHECK();
    });
  });
}

void fill(const Array& dst, double value) {
  int64_t n = dst.numel();
  if (n == 0) return;
  dispatch(dst.dtype, [&]<class T>() {
    T v = static_cast<T>(value);
    if (!dst.is_contiguous()) {
      fill_strided_kernel<<<blocks_for(n), kThreads>>>(dst.data<T>(), n, make_strided<1>(dst.shape, {dst.strides}), v);
    } else if (aligned(dst.raw(), 16)) {
      fill_kernel<T, kVec<T>><<<blocks_for(n / kVec<T> + 1), kThreads>>>(dst.data<T>(), n, v);
    } else {
      fill_kernel<T, 1><<<blocks_for(n), kThreads>>>(dst.data<T>(), n, v);
    }
    MUSE_LAUNCH_CHECK();
  });
}

void iota(const Array& out, double start, double step) {
  int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype, [&]<class T>() {
    iota_kernel<<<blocks_for(n), kThreads>>>(out.data<T>(), n, start, step);
    MUSE_LAUNCH_CHECK();
  });
}

// cudaMemcpy on the default stream waits for the kernels queued before it, so what it reads back is
// final; from pageable host memory it returns once the bytes are staged.
void copy_from_host(const void* src, const Array& dst) {
  size_t bytes = dst.numel() * element_size(dst.dtype);
  if (bytes > 0) MUSE_CUDA_CHECK(cudaMemcpy(dst.raw(), src, bytes, cudaMemcpyHostToDevice));
}

void copy_to_host(const Array& src, void* dst) {
  size_t bytes = src.numel() * element_size(src.dtype);
  if (bytes > 0) MUSE_CUDA_CHECK(cudaMemcpy(dst, src.raw(), bytes, cudaMemcpyDeviceToHost));
}

}  // namespace muse::cuda
