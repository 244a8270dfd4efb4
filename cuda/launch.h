// What every kernel file shares: launch sizes, 16-byte vectors, scratch memory, dtype dispatch and the
// warp- and block-wide folds. Private to cuda/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "cuda/allocator.h"
#include "cuda/check.h"
#include "muse/dtype.h"
#include "muse/error.h"
#include "tensor/dispatch.h"

namespace muse::cuda {

inline constexpr int kThreads = 256;
inline constexpr int kWarp = 32;

// The number of multiprocessors of the current device (read once).
int sm_count();

// Blocks for a grid-stride loop over n items with `threads` per block: one per `threads` items, capped
// at four full waves of the GPU (more blocks only add scheduling work).
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  int64_t want = (n + threads - 1) / threads;
  int64_t cap = int64_t{sm_count()} * (2048 / threads) * 4;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(want, cap)));
}

// N elements moved as one aligned load or store (16 bytes for N = 16 / sizeof(T)).
template <class T, int N>
struct alignas(sizeof(T) * N) Vec {
  T v[N];
};

// Elements per 16-byte vector of T.
template <class T>
inline constexpr int kVec = 16 / sizeof(T) > 0 ? 16 / sizeof(T) : 1;

inline bool aligned(const void* p, size_t bytes) { return reinterpret_cast<uintptr_t>(p) % bytes == 0; }

// Temporary device memory from the caching allocator, given back when it goes out of scope (later
// work on the stream may still use it: the allocator only hands it out again in stream order).
class Scratch {
 public:
  explicit Scratch(size_t bytes) : bytes_(bytes), ptr_(allocator::allocate(bytes)) {}
  ~Scratch() { allocator::release(ptr_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  size_t bytes_;
  void* ptr_;
};

// A shuffle of any trivially copyable type, moved as 32-bit words: shuffle(word) is
// __shfl_down_sync or __shfl_xor_sync with its lane argument bound.
template <class A, class Shuffle>
__device__ __forceinline__ A shuffle_words(A v, Shuffle shuffle) {
  constexpr int kWords = (sizeof(A) + 3) / 4;
  union {
    A a;
    int w[kWords];
  } u;
  u.a = v;
#pragma unroll
  for (int j = 0; j < kWords; ++j) u.w[j] = shuffle(u.w[j]);
  return u.a;
}

// v from the lane `delta` above.
template <class A>
__device__ __forceinline__ A shfl_down(A v, int delta) {
  return shuffle_words(v, [delta](int w) { return __shfl_down_sync(0xffffffffu, w, delta); });
}

// v from lane (this lane ^ mask).
template <class A>
__device__ __forceinline__ A shfl_xor(A v, int mask) {
  return shuffle_words(v, [mask](int w) { return __shfl_xor_sync(0xffffffffu, w, mask); });
}

// The fold of v over the 32 lanes of a warp, in every lane (a butterfly: lanes i and i ^ d combine the
// same pair, so with a commutative fold every lane ends with the same bits).
template <class Fold, class A>
__device__ __forceinline__ A warp_all(Fold fold, A v) {
#pragma unroll
  for (int d = kWarp / 2; d > 0; d /= 2) v = fold(v, shfl_xor(v, d));
  return v;
}

// The fold of v over the 32 lanes of a warp; lane 0 holds the result.
template <class Fold, class A>
__device__ __forceinline__ A warp_fold(Fold fold, A v) {
#pragma unroll
  for (int d = kWarp / 2; d > 0; d /= 2) v = fold(v, shfl_down(v, d));
  return v;
}

// The fold of v over every thread of the block (blockDim a multiple of 32, at most 1024 threads);
// thread 0 holds the result. Every thread must call it; the shared memory may be reused after.
template <class Fold, class A>
__device__ A block_fold(Fold fold, A identity, A v) {
  __shared__ alignas(16) unsigned char raw[kWarp * sizeof(A)];
  A* partial = reinterpret_cast<A*>(raw);
  int tid = threadIdx.x + threadIdx.y * blockDim.x, lane = tid % kWarp, warp = tid / kWarp;
  int warps = blockDim.x * blockDim.y / kWarp;
  v = warp_fold(fold, v);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) v = warp_fold(fold, lane < warps ? partial[lane] : identity);
  __syncthreads();
  return v;
}

// The fold of v over the block, in every thread.
template <class Fold, class A>
__device__ A block_all(Fold fold, A identity, A v) {
  __shared__ alignas(16) unsigned char raw[sizeof(A)];
  A* result = reinterpret_cast<A*>(raw);
  v = block_fold(fold, identity, v);
  if (threadIdx.x == 0 && threadIdx.y == 0) *result = v;
  __syncthreads();
  v = *result;
  __syncthreads();
  return v;
}

// The fold over a group of kGroup threads that is either one warp or the whole block.
template <int kGroup, class Fold, class A>
__device__ __forceinline__ A group_all(Fold fold, A identity, A v) {
  if constexpr (kGroup == kWarp)
    return warp_all(fold, v);
  else
    return block_all(fold, identity, v);
}

}  // namespace muse::cuda
