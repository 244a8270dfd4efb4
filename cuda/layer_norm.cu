// The fused layer normalization over the rows of x (R, N), per-element math in tensor/layer_norm_math.h
// (the functions the CPU kernel runs). A row takes a warp (N <= 1024) or a block of kThreads: thread k
// reads elements k, k + group, ... (coalesced), the group sums them with shuffles, and the later passes
// over the row hit the cache. dweight and dbias sum over rows, a column reduction: blocks of 32 x 8
// threads take 32 adjacent columns of a slice of rows and write partial sums, which a second kernel
// adds in slice order (deterministic, no atomics). Sums run in float for float32, double for float64.
#include "cuda/fold.h"
#include "cuda/kernels.h"
#include "tensor/layer_norm_math.h"

namespace muse::cuda {
namespace {

constexpr int64_t kWarpRowMax = 1024;  // rows up to this length take one warp each
constexpr int kColumns = 32, kRowThreads = 8;  // the column reduction's block (32 x 8)
constexpr int64_t kRowsPerSlice = 64;          // at least this many rows per partial sum

// Two sums folded at once (sum of g and of g x^ in the backward).
template <class T>
struct Pair {
  T a, b;
  __device__ Pair operator+(Pair o) const { return {a + o.a, b + o.b}; }
};

// One row per group of kGroup threads (a warp, or the whole block). w, b null: 1 and 0.
template <int kGroup, class T>
__global__ void layer_norm_forward_kernel(const T* x, const T* w, const T* b, double eps, T* y, T* mean, T* rstd,
                                          int64_t R, int64_t N) {
  int64_t row = blockIdx.x * int64_t{blockDim.x / kGroup} + threadIdx.x / kGroup;
  if (row >= R) return;  // a whole group leaves together (a block group always has its row)
  int lane = threadIdx.x % kGroup;
  const T* xr = x + row * N;
  T s = 0;
  for (int64_t k = lane; k < N; k += kGroup) s += xr[k];
  T mu = group_all<kGroup>(SumFold{}, T(0), s) / T(N);
  T ss = 0;
  for (int64_t k = lane; k < N; k += kGroup) ss += (xr[k] - mu) * (xr[k] - mu);
  T rs = layer_norm_rstd(group_all<kGroup>(SumFold{}, T(0), ss), N, eps);
  for (int64_t k = lane; k < N; k += kGroup)
    y[row * N + k] = layer_norm_element(xr[k], mu, rs, w != nullptr ? w[k] : T(1), b != nullptr ? b[k] : T(0));
  if (lane == 0) mean[row] = mu, rstd[row] = rs;
}

// dx of one row per group: the row's means of g = dy w and g x^, then dx element by element.
template <int kGroup, class T>
__global__ void layer_norm_dx_kernel(const T* x, const T* w, const T* mean, const T* rstd, const T* dy, T* dx,
                                     int64_t R, int64_t N) {
  int64_t row = blockIdx.x * int64_t{blockDim.x / kGroup} + threadIdx.x / kGroup;
  if (row >= R) return;
  int lane = threadIdx.x % kGroup;
  const T *xr = x + row * N, *dyr = dy + row * N;
  T mu = mean[row], rs = rstd[row];
  Pair<T> s{0, 0};
  for (int64_t k = lane; k < N; k += kGroup) {
    T g = w != nullptr ? dyr[k] * w[k] : dyr[k];
    s = s + Pair<T>{g, g * ((xr[k] - mu) * rs)};
  }
  s = group_all<kGroup>(SumFold{}, Pair<T>{0, 0}, s);
  T mean_g = s.a / T(N), mean_gx = s.b / T(N);
  for (int64_t k = lane; k < N; k += kGroup) {
    T g = w != nullptr ? dyr[k] * w[k] : dyr[k];
    dx[row * N + k] = layer_norm_dx_element(g, (xr[k] - mu) * rs, rs, mean_g, mean_gx);
  }
}

// Partial sums over the rows of slice blockIdx.y of dy x^ and dy for 32 columns: partial (slices, 2, N).
template <class T>
__global__ void layer_norm_dwb_partial_kernel(const T* x, const T* mean, const T* rstd, const T* dy, T* partial,
                                              int64_t R, int64_t N, int64_t rows_per_slice) {
  __shared__ Pair<T> tile[kRowThreads][kColumns];
  int64_t j = blockIdx.x * int64_t{kColumns} + threadIdx.x;
  int64_t r0 = blockIdx.y * rows_per_slice, r1 = min(R, r0 + rows_per_slice);
  Pair<T> s{0, 0};
  if (j < N)
    for (int64_t r = r0 + threadIdx.y; r < r1; r += kRowThreads) {
      T d = dy[r * N + j];
      s = s + Pair<T>{d * ((x[r * N + j] - mean[r]) * rstd[r]), d};
    }
  tile[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y != 0 || j >= N) return;
  for (int t = 1; t < kRowThreads; ++t) s = s + tile[t][threadIdx.x];
  partial[(blockIdx.y * 2) * N + j] = s.a;
  partial[(blockIdx.y * 2 + 1) * N + j] = s.b;
}

// dweight and dbias (either may be null) from the slices' partial sums, added in slice order.
template <class T>
__global__ void layer_norm_dwb_total_kernel(const T* partial, T* dw, T* db, int64_t slices, int64_t N) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < N; j += int64_t{gridDim.x} * blockDim.x) {
    T sw = 0, sb = 0;
    for (int64_t s = 0; s < slices; ++s) sw += partial[(2 * s) * N + j], sb += partial[(2 * s + 1) * N + j];
    if (dw != nullptr) dw[j] = sw;
    if (db != nullptr) db[j] = sb;
  }
}

// Launches kernel<kGroup> over R rows: a warp per row for short rows, else a block per row.
template <class Launch>
void per_row(int64_t R, int64_t N, Launch&& launch) {
  if (N <= kWarpRowMax) {
    constexpr int64_t kRowsPerBlock = kThreads / kWarp;
    launch.template operator()<kWarp>(static_cast<unsigned>((R + kRowsPerBlock - 1) / kRowsPerBlock));
  } else {
    launch.template operator()<kThreads>(static_cast<unsigned>(R));
  }
}

}  // namespace

void layer_norm_forward(const Array& x, const Array& weight, const Array& bias, double eps, const Array& y,
                        const Array& mean, const Array& rstd) {
  int64_t R = x.shape[0], N = x.shape[1];
  if (R == 0 || N == 0) return;
  dispatch_float(x.dtype, "layer_norm", [&]<class T>() {
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const T* b = bias.defined() ? bias.data<T>() : nullptr;
    per_row(R, N, [&]<int kGroup>(unsigned blocks) {
      layer_norm_forward_kernel<kGroup, T><<<blocks, kThreads>>>(x.data<T>(), w, b, eps, y.data<T>(), mean.data<T>(),
                                                                 rstd.data<T>(), R, N);
      MUSE_LAUNCH_CHECK();
    });
  });
}

void layer_norm_backward(const Array& x, const Array& weight, const Array& mean, const Array& rstd, const Array& dy,
                         const Array& dx, const Array& dweight, const Array& dbias) {
  int64_t R = x.shape[0], N = x.shape[1];
  if (N == 0) return;
  for (const Array* d : {&dweight, &dbias})
    if (R == 0 && d->defined()) fill(*d, 0);  // a sum over no rows
  if (R == 0) return;
  dispatch_float(x.dtype, "layer_norm", [&]<class T>() {
    const T *xp = x.data<T>(), *mp = mean.data<T>(), *rp = rstd.data<T>(), *dyp = dy.data<T>();
    if (dx.defined()) {
      const T* w = weight.defined() ? weight.data<T>() : nullptr;
      per_row(R, N, [&]<int kGroup>(unsigned blocks) {
        layer_norm_dx_kernel<kGroup, T><<<blocks, kThreads>>>(xp, w, mp, rp, dyp, dx.data<T>(), R, N);
        MUSE_LAUNCH_CHECK();
      });
    }
    if (!dweight.defined() && !dbias.defined()) return;
    int64_t slices = std::min<int64_t>((R + kRowsPerSlice - 1) / kRowsPerSlice, 1024);
    int64_t rows_per_slice = (R + slices - 1) / slices;
    Scratch partial(static_cast<size_t>(2 * slices * N) * sizeof(T));  // (slices, 2, N)
    dim3 grid(static_cast<unsigned>((N + kColumns - 1) / kColumns), static_cast<unsigned>(slices));
    layer_norm_dwb_partial_kernel<T><<<grid, dim3(kColumns, kRowThreads)>>>(xp, mp, rp, dyp, partial.as<T>(), R, N,
                                                                              rows_per_slice);
    MUSE_LAUNCH_CHECK();
    layer_norm_dwb_total_kernel<T><<<blocks_for(N), kThreads>>>(
        partial.as<T>(), dweight.defined() ? dweight.data<T>() : nullptr, dbias.defined() ? dbias.data<T>() : nullptr,
        slices, N);
    MUSE_LAUNCH_CHECK();
  });
}

}  // namespace muse::cuda
