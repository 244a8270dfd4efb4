// softmax and log_softmax along the middle axis of (outer, n, inner), and their backward.
//   softmax:      y_k = exp(x_k - m) / s,  s = sum_j exp(x_j - m),  m = max_j x_j
//   log_softmax:  y_k = (x_k - m) - log(s)
//   backward:     softmax dx = y * (dy - sum(dy * y));  log_softmax dx = dy - exp(y) * sum(dy)
// Rows (inner == 1) of up to 8192 elements are read once into registers, by a warp (n <= 512) or a
// block: all loads are issued before any math, then the maximum, the sum and the output come from
// the registers (one exp per element). Longer rows take a block each and find the maximum and the
// sum in one pass over x ("online softmax", Milakov and Gimelshein 2018: when a larger element
// arrives, the sum so far is rescaled by exp(m_old - m_new)), then a second pass writes y. Columns
// (inner > 1) take one thread per column, so that a warp reads 32 adjacent columns at once.
#include "cuda/fold.h"
#include "cuda/kernels.h"
#include "tensor/elementwise_math.h"

namespace muse::cuda {
namespace {

// The running maximum m and sum s of exp(x - m) of some elements; (-inf, 0) holds none.
template <class T>
struct MaxSum {
  T m, s;

  __device__ void add(T x) {
    if (x > m) {
      s = s * ew::exp(m - x) + T(1);
      m = x;
    } else {
      s += x == m ? T(1) : ew::exp(x - m);  // NaN x makes s NaN, and every output NaN, as on the CPU
    }
  }
};

// exp(mi - m), with exp(-inf - -inf) taken as 1 so that a part holding only -inf counts consistently.
template <class T>
__device__ T rescale(T mi, T m) {
  return mi == m ? T(1) : ew::exp(mi - m);
}

struct MaxSumFold {
  template <class T>
  __device__ MaxSum<T> operator()(MaxSum<T> a, MaxSum<T> b) const {
    T m = a.m > b.m ? a.m : b.m;
    return {m, a.s * rescale(a.m, m) + b.s * rescale(b.m, m)};
  }
};

template <class T>
__device__ T softmax_value(T x, T m, T s_or_log_s, bool log) {
  return log ? (x - m) - s_or_log_s : ew::exp(x - m) / s_or_log_s;
}

// A row of n <= kGroup * kPer elements held by a group of kGroup threads (a warp, or the whole block),
// kPer registers each (element k = thread + kGroup * j, so each load is coalesced); slots past n hold
// -inf and count for nothing.
template <int kGroup, int kPer, class T>
__device__ void softmax_registers(const T* x, T* y, int64_t n, int tid, bool log) {
  constexpr T kInf = std::numeric_limits<T>::infinity();
  T v[kPer];
#pragma unroll
  for (int j = 0; j < kPer; ++j) {
    int64_t k = tid + int64_t{kGroup} * j;
    v[j] = k < n ? x[k] : -kInf;
  }
  T m = -kInf;
#pragma unroll
  for (int j = 0; j < kPer; ++j) m = MaxFold{}(m, v[j]);
  m = group_all<kGroup>(MaxFold{}, -kInf, m);
  T s = 0;
#pragma unroll
  for (int j = 0; j < kPer; ++j) {
    T e = tid + int64_t{kGroup} * j < n ? ew::exp(v[j] - m) : T(0);
    s += e;
    if (!log) v[j] = e;
  }
  s = group_all<kGroup>(SumFold{}, T(0), s);
  T t = log ? ew::log(s) : T(1) / s;
#pragma unroll
  for (int j = 0; j < kPer; ++j) {
    int64_t k = tid + int64_t{kGroup} * j;
    if (k < n) y[k] = log ? (v[j] - m) - t : v[j] * t;
  }
}

// One warp per row, kPer elements per lane.
template <int kPer, class T>
__global__ void softmax_warp_kernel(const T* x, T* y, int64_t rows, int64_t n, bool log) {
  int64_t row = blockIdx.x * int64_t{blockDim.x / kWarp} + threadIdx.x / kWarp;
  if (row >= rows) return;  // the whole warp leaves together
  softmax_registers<kWarp, kPer>(x + row * n, y + row * n, n, threadIdx.x % kWarp, log);
}

// One block of kThreads per row, kPer elements per thread.
template <int kPer, class T>
__global__ void softmax_block_registers_kernel(const T* x, T* y, int64_t n, bool log) {
  softmax_registers<kThreads, kPer>(x + blockIdx.x * n, y + blockIdx.x * n, n, threadIdx.x, log);
}

// Rows too long for registers: one block per row, online max and sum, N elements per load when the
// row allows 16-byte vectors.
template <int N, class T>
__global__ void softmax_block_kernel(const T* x, T* y, int64_t n, bool log) {
  __shared__ T total[2];
  const Vec<T, N>* px = reinterpret_cast<const Vec<T, N>*>(x + blockIdx.x * n);
  Vec<T, N>* py = reinterpret_cast<Vec<T, N>*>(y + blockIdx.x * n);
  MaxSum<T> identity{-std::numeric_limits<T>::infinity(), T(0)}, acc = identity;
  for (int64_t k = threadIdx.x; k < n / N; k += blockDim.x) {
    Vec<T, N> v = px[k];
#pragma unroll
    for (int j = 0; j < N; ++j) acc.add(v.v[j]);
  }
  acc = block_fold(MaxSumFold{}, identity, acc);
  if (threadIdx.x == 0) total[0] = acc.m, total[1] = log ? ew::log(acc.s) : acc.s;
  __syncthreads();
  T m = total[0], t = total[1];
  for (int64_t k = threadIdx.x; k < n / N; k += blockDim.x) {
    Vec<T, N> v = px[k];
#pragma unroll
    for (int j = 0; j < N; ++j) v.v[j] = softmax_value(v.v[j], m, t, log);
    py[k] = v;
  }
}

// One thread per column (o, i) of an (outer, n, inner) block.
template <class T>
__global__ void softmax_columns_kernel(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  for (int64_t c = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; c < outer * inner;
       c += int64_t{gridDim.x} * blockDim.x) {
    int64_t base = c / inner * n * inner + c % inner;
    MaxSum<T> acc{-std::numeric_limits<T>::infinity(), T(0)};
    for (int64_t k = 0; k < n; ++k) acc.add(x[base + k * inner]);
    T t = log ? ew::log(acc.s) : acc.s;
    for (int64_t k = 0; k < n; ++k) y[base + k * inner] = softmax_value(x[base + k * inner], acc.m, t, log);
  }
}

// Backward: s = sum(dy * y) (softmax) or sum(dy) (log_softmax) along the row, then dx.
template <class T>
__device__ T backward_term(T y, T dy, bool log) {
  return log ? dy : dy * y;
}
template <class T>
__device__ T backward_value(T y, T dy, T s, bool log) {
  return log ? dy - ew::exp(y) * s : y * (dy - s);
}

template <class T>
__global__ void softmax_backward_warp_kernel(const T* y, const T* dy, T* dx, int64_t rows, int64_t n, bool log) {
  int64_t row = blockIdx.x * int64_t{blockDim.x / kWarp} + threadIdx.x / kWarp;
  if (row >= rows) return;
  int lane = threadIdx.x % kWarp;
  int64_t base = row * n;
  T s = 0;
  for (int64_t k = lane; k < n; k += kWarp) s += backward_term(y[base + k], dy[base + k], log);
  s = warp_fold(SumFold{}, s);
  s = __shfl_sync(0xffffffffu, s, 0);
  for (int64_t k = lane; k < n; k += kWarp) dx[base + k] = backward_value(y[base + k], dy[base + k], s, log);
}

template <class T>
__global__ void softmax_backward_block_kernel(const T* y, const T* dy, T* dx, int64_t n, bool log) {
  __shared__ T total;
  int64_t base = blockIdx.x * n;
  T s = 0;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) s += backward_term(y[base + k], dy[base + k], log);
  s = block_fold(SumFold{}, T(0), s);
  if (threadIdx.x == 0) total = s;
  __syncthreads();
  s = total;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
    dx[base + k] = backward_value(y[base + k], dy[base + k], s, log);
}

template <class T>
__global__ void softmax_backward_columns_kernel(const T* y, const T* dy, T* dx, int64_t outer, int64_t n, int64_t inner,
                                                bool log) {
  for (int64_t c = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; c < outer * inner;
       c += int64_t{gridDim.x} * blockDim.x) {
    int64_t base = c / inner * n * inner + c % inner;
    T s = 0;
    for (int64_t k = 0; k < n; ++k) s += backward_term(y[base + k * inner], dy[base + k * inner], log);
    for (int64_t k = 0; k < n; ++k) {
      int64_t at = base + k * inner;
      dx[at] = backward_value(y[at], dy[at], s, log);
    }
  }
}

constexpr int64_t kWarpRows = kThreads / kWarp;  // rows per block in the warp kernels

}  // namespace

void softmax(const Array& x, int64_t outer, int64_t n, int64_t inner, bool log, const Array& y) {
  if (outer * n * inner == 0) return;
  dispatch_float(x.dtype, "softmax", [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    constexpr int kN = kVec<T>;
    unsigned warp_blocks = (outer + kWarpRows - 1) / kWarpRows;
    if (inner > 1)
      softmax_columns_kernel<<<blocks_for(outer * inner), kThreads>>>(px, py, outer, n, inner, log);
    else if (n <= 32)
      softmax_warp_kernel<1><<<warp_blocks, kThreads>>>(px, py, outer, n, log);
    else if (n <= 128)
      softmax_warp_kernel<4><<<warp_blocks, kThreads>>>(px, py, outer, n, log);
    else if (n <= 512)
      softmax_warp_kernel<16><<<warp_blocks, kThreads>>>(px, py, outer, n, log);
    else if (n <= 1024)  // a block, not a warp: 32 registers a lane would cap occupancy at 24 warps
      softmax_block_registers_kernel<4><<<outer, kThreads>>>(px, py, n, log);
    else if (n <= 2048)
      softmax_block_registers_kernel<8><<<outer, kThreads>>>(px, py, n, log);
    else if (n <= 4096)
      softmax_block_registers_kernel<16><<<outer, kThreads>>>(px, py, n, log);
    else if (n <= 8192)
      softmax_block_registers_kernel<32><<<outer, kThreads>>>(px, py, n, log);
    else if (n % kN == 0 && aligned(px, 16) && aligned(py, 16))
      softmax_block_kernel<kN><<<outer, kThreads>>>(px, py, n, log);
    else
      softmax_block_kernel<1><<<outer, kThreads>>>(px, py, n, log);
    MUSE_LAUNCH_CHECK();
  });
}

void softmax_backward(const Array& y, const Array& dy, int64_t outer, int64_t n, int64_t inner, bool log,
                      const Array& dx) {
  if (outer * n * inner == 0) return;
  dispatch_float(y.dtype, "softmax_backward", [&]<class T>() {
    const T *py = y.data<T>(), *pdy = dy.data<T>();
    T* pdx = dx.data<T>();
    if (inner > 1)
      softmax_backward_columns_kernel<<<blocks_for(outer * inner), kThreads>>>(py, pdy, pdx, outer, n, inner, log);
    else if (n <= 1024)
      softmax_backward_warp_kernel<<<(outer + kWarpRows - 1) / kWarpRows, kThreads>>>(py, pdy, pdx, outer, n, log);
    else
      softmax_backward_block_kernel<<<outer, kThreads>>>(py, pdy, pdx, n, log);
    MUSE_LAUNCH_CHECK();
  });
}

}  // namespace muse::cuda
