// Folds over the middle axis of x seen as (outer, n, inner), shared by the reductions. An output
// (o, i) is the fold of make(x[o, k, i], k, o * inner + i) over k; sink(slot, acc) stores it.
//   inner == 1 (rows):   a warp per row for short rows, a block per row (or per chunk of a row) for long
//                        ones; partial results meet through warp shuffles and one shared array.
//   inner > 1 (columns): a block of 32 x 8 threads takes 32 adjacent columns (so each row of the
//                        tile is one coalesced 128-byte load) and 8 rows at a time.
// When there are too few rows or column tiles to fill the GPU, n is cut into chunks that separate
// blocks fold; their partial results (outer, chunks, inner) are folded by a second pass.
#pragma once

#include <cmath>
#include <limits>

#include "cuda/launch.h"

namespace muse::cuda {

template <class T>
__host__ __device__ constexpr T lowest() {
  if constexpr (std::numeric_limits<T>::has_infinity) return -std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::lowest();
}
template <class T>
__host__ __device__ constexpr T highest() {
  if constexpr (std::numeric_limits<T>::has_infinity) return std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::max();
}

// The folds: associative and commutative. Max and Min let NaN win (b != b only for NaN), as PyTorch.
struct SumFold {
  template <class A>
  __device__ A operator()(A a, A b) const { return a + b; }
};
struct MaxFold {
  template <class A>
  __device__ A operator()(A a, A b) const { return (b > a || b != b) ? b : a; }
};
struct MinFold {
  template <class A>
  __device__ A operator()(A a, A b) const { return (b < a || b != b) ? b : a; }
};

// make() that only converts the element to the accumulator type.
template <class A>
struct Widen {
  template <class T>
  __device__ A operator()(T v, int64_t, int64_t) const { return static_cast<A>(v); }
};

// sink() that stores the accumulator as it is (partial results between the two passes).
template <class A>
struct Store {
  A* out;
  __device__ void operator()(int64_t slot, A acc) const { out[slot] = acc; }
};

template <class Fold, class A, class T, class Make, class Sink>
__global__ void fold_rows_kernel(const T* x, int64_t n, int64_t chunk, int64_t chunks, Fold fold, A identity,
                                 Make make, Sink sink) {
  int64_t unit = blockIdx.x, row = unit / chunks, k0 = unit % chunks * chunk, k1 = min(n, k0 + chunk);
  const T* p = x + row * n;
  A acc = identity;
#pragma unroll 4
  for (int64_t k = k0 + threadIdx.x; k < k1; k += blockDim.x) acc = fold(acc, make(p[k], k, row));
  acc = block_fold(fold, identity, acc);
  if (threadIdx.x == 0) sink(unit, acc);
}

template <class Fold, class A, class T, class Make, class Sink>
__global__ void fold_rows_warp_kernel(const T* x, int64_t rows, int64_t n, Fold fold, A identity, Make make,
                                      Sink sink) {
  int64_t row = blockIdx.x * int64_t{blockDim.x / kWarp} + threadIdx.x / kWarp;
  if (row >= rows) return;  // the whole warp leaves together
  const T* p = x + row * n;
  A acc = identity;
  for (int64_t k = threadIdx.x % kWarp; k < n; k += kWarp) acc = fold(acc, make(p[k], k, row));
  acc = warp_fold(fold, acc);
  if (threadIdx.x % kWarp == 0) sink(row, acc);
}

inline constexpr int kColumnRows = 8;  // blockDim.y of the column kernel

template <class Fold, class A, class T, class Make, class Sink>
__global__ void fold_columns_kernel(const T* x, int64_t n, int64_t inner, int64_t tiles, int64_t chunk,
                                    int64_t chunks, Fold fold, A identity, Make make, Sink sink) {
  __shared__ alignas(16) unsigned char raw[kColumnRows * kWarp * sizeof(A)];
  A* part = reinterpret_cast<A*>(raw);
  int64_t unit = blockIdx.x, tile = unit % tiles, oc = unit / tiles, c = oc % chunks, o = oc / chunks;
  int64_t i = tile * kWarp + threadIdx.x, k0 = c * chunk, k1 = min(n, k0 + chunk);
  A acc = identity;
  if (i < inner) {
    const T* p = x + o * n * inner + i;
#pragma unroll 4
    for (int64_t k = k0 + threadIdx.y; k < k1; k += kColumnRows) acc = fold(acc, make(p[k * inner], k, o * inner + i));
  }
  part[threadIdx.y * kWarp + threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y != 0 || i >= inner) return;
  for (int r = 1; r < kColumnRows; ++r) acc = fold(acc, part[r * kWarp + threadIdx.x]);
  sink((o * chunks + c) * inner + i, acc);
}

// One pass: the fold of x (outer, n, inner) with n cut into `chunks` pieces; sink gets slot
// (o * chunks + c) * inner + i for piece c.
template <class A, class T, class Fold, class Make, class Sink>
void launch_fold(const T* x, int64_t outer, int64_t n, int64_t inner, int64_t chunks, Fold fold, A identity,
                 Make make, Sink sink) {
  int64_t chunk = (n + chunks - 1) / chunks, tiles = (inner + kWarp - 1) / kWarp;
  if (inner == 1 && chunks == 1 && n <= 1024) {
    int64_t warps = kThreads / kWarp;
    fold_rows_warp_kernel<<<(outer + warps - 1) / warps, kThreads>>>(x, outer, n, fold, identity, make, sink);
  } else if (inner == 1) {
    fold_rows_kernel<<<outer * chunks, kThreads>>>(x, n, chunk, chunks, fold, identity, make, sink);
  } else {
    fold_columns_kernel<<<outer * chunks * tiles, dim3(kWarp, kColumnRows)>>>(x, n, inner, tiles, chunk, chunks,
                                                                              fold, identity, make, sink);
  }
  MUSE_LAUNCH_CHECK();
}

// The fold of x (outer, n, inner) into sink(o * inner + i, acc). When the outputs alone cannot fill
// the GPU, n is cut into chunks whose partial results a second pass folds.
template <class A, class T, class Fold, class Make, class Sink>
void run_fold(const T* x, int64_t outer, int64_t n, int64_t inner, Fold fold, A identity, Make make, Sink sink) {
  if (outer * inner == 0) return;
  int64_t target = int64_t{sm_count()} * 8;  // blocks that keep every multiprocessor busy
  int64_t units = inner == 1 ? outer : outer * ((inner + kWarp - 1) / kWarp);
  int64_t min_chunk = inner == 1 ? 4096 : 64, chunks = 1;
  if (units < target && n >= 2 * min_chunk)
    chunks = std::min((target + units - 1) / units, (n + min_chunk - 1) / min_chunk);
  if (chunks == 1) return launch_fold(x, outer, n, inner, chunks, fold, identity, make, sink);
  Scratch partial(outer * chunks * inner * sizeof(A));  // (outer, chunks, inner)
  launch_fold(x, outer, n, inner, chunks, fold, identity, make, Store<A>{partial.as<A>()});
  launch_fold(partial.as<A>(), outer, chunks, inner, int64_t{1}, fold, identity, Widen<A>{}, sink);
}

}  // namespace muse::cuda
