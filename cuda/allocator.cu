// The CUDA caching allocator (see allocator.h): rounded sizes, freed blocks reused by requests they fit
// (tensor/block_cache.h), counters.
#include <algorithm>
#include <mutex>

#include "cuda/allocator.h"
#include "cuda/check.h"
#include "muse/error.h"
#include "tensor/block_cache.h"

namespace muse::cuda::allocator {
namespace {

size_t round_size(size_t n) { return round_block_size(n, 512); }  // cudaMalloc aligns to 256 bytes anyway

struct Cache {
  std::mutex mutex;
  BlockCache free_blocks;
  MemoryStats stats{};
  size_t high_water = 0;  // the most ever allocated at once

  // Caller holds the mutex. cudaFree waits for the device, so queued kernels finish first.
  void release_all() { free_blocks.clear(free_block); }
  static void free_block(void* ptr) { MUSE_CUDA_CHECK(cudaFree(ptr)); }
  void add_allocated(size_t size) {
    stats.allocated_bytes += size;
    high_water = std::max(high_water, stats.allocated_bytes);
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
  size_t size = round_size(nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (auto [ptr, block_size] = c.free_blocks.take(size); ptr != nullptr) {
    c.add_allocated(block_size);
    return ptr;
  }
  void* ptr = try_malloc(size);
  size_t cached = c.free_blocks.bytes();
  if (ptr == nullptr) {  // the cache may hold the memory we need: give it back and try once more
    c.release_all();
    ptr = try_malloc(size);
  }
  if (ptr == nullptr) {
    size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    cudaGetLastError();
    throw Error(str("cuda: out of memory: cannot allocate ", nbytes, " bytes on the GPU (", free_bytes,
                    " bytes free of ", total_bytes, "; ", c.stats.allocated_bytes, " bytes in use by tensors; ",
                    cached, " bytes cached by muse were freed before a second try)"));
  }
  c.free_blocks.track(ptr, size);
  c.add_allocated(size);
  c.stats.device_allocations += 1;
  return ptr;
}

void release(void* ptr, size_t /*nbytes*/) {
  if (ptr == nullptr) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.allocated_bytes -= c.free_blocks.put(ptr);
  // As the CPU allocator: past twice the most ever in use, the largest cached blocks are freed.
  if (c.free_blocks.bytes() > 2 * c.high_water) c.free_blocks.trim(c.high_water, Cache::free_block);
}

MemoryStats stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  MemoryStats s = c.stats;
  s.cached_bytes = c.free_blocks.bytes();
  return s;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.release_all();
}

}  // namespace muse::cuda::allocator
