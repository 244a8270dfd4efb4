// The CUDA caching allocator (see allocator.h): rounded sizes, one free list per size, counters.
#include <map>
#include <mutex>

#include "cuda/allocator.h"
#include "cuda/check.h"
#include "muse/error.h"

namespace muse::cuda::allocator {
namespace {

// Sizes are rounded up so that near-equal requests share a bucket: to 512 bytes below 1 MiB, then to
// eighths of the next power of two (at most 12.5% waste).
size_t round_size(size_t n) {
  if (n < (size_t{1} << 20)) return (n + 511) & ~size_t{511};
  size_t pow2 = size_t{1} << (64 - __builtin_clzll(n - 1));
  size_t step = pow2 / 8;
  return (n + step - 1) / step * step;
}

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, void*> free_blocks;  // rounded size -> block
  MemoryStats stats{};

  // Caller holds the mutex. cudaFree waits for the device, so queued kernels finish first.
  void release_all() {
    for (auto& [size, ptr] : free_blocks) MUSE_CUDA_CHECK(cudaFree(ptr));
    free_blocks.clear();
    stats.cached_bytes = 0;
  }
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: tensors in static objects may outlive it
  return *c;
}

// cudaMalloc, or nullptr when the device is out of memory (any other failure throws).
void* try_malloc(size_t size) {
  void* ptr = nullptr;
  cudaError_t err = cudaMalloc(&ptr, size);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it, so the next checked call does not report it again
    return nullptr;
  }
  MUSE_CUDA_CHECK(err);
  return ptr;
}

}  // namespace

void* allocate(size_t nbytes) {
  size_t size = round_size(nbytes == 0 ? 1 : nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.free_blocks.find(size);
  if (it != c.free_blocks.end()) {
    void* ptr = it->second;
    c.free_blocks.erase(it);
    c.stats.cached_bytes -= size;
    c.stats.allocated_bytes += size;
    return ptr;
  }
  void* ptr = try_malloc(size);
  if (ptr == nullptr) {  // the cache may hold the memory we need: give it back and try once more
    c.release_all();
    ptr = try_malloc(size);
  }
  if (ptr == nullptr) {
    size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    cudaGetLastError();
    throw Error(str("cuda: out of memory: cannot allocate ", nbytes, " bytes on the GPU (", free_bytes,
                    " bytes free of ", total_bytes, "; ", c.stats.allocated_bytes, " bytes in use by tensors, ",
                    c.stats.cached_bytes, " bytes cached by muse)"));
  }
  c.stats.allocated_bytes += size;
  c.stats.device_allocations += 1;
  return ptr;
}

void release(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  size_t size = round_size(nbytes == 0 ? 1 : nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.allocated_bytes -= size;
  c.free_blocks.emplace(size, ptr);
  c.stats.cached_bytes += size;
}

MemoryStats stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.stats;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.release_all();
}

}  // namespace muse::cuda::allocator
