#include "tensor/allocator.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>

#include "muse/error.h"
#include "muse/memory.h"
#include "tensor/block_cache.h"

namespace muse::cpu_allocator {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t round_size(size_t n) { return round_block_size(n, 64); }  // cache-line granules below 1 MiB

struct Cache {
  std::mutex mutex;
  BlockCache free_blocks;
  Stats stats{};
  size_t high_water = 0;  // the most ever allocated at once (reset_peak() leaves it)
};

void free_block(void* ptr) { std::free(ptr); }

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: tensors in static objects may outlive it
  return *c;
}

// Caller holds the mutex.
void add_allocated(Cache& c, size_t size) {
  c.stats.allocated_bytes += size;
  c.stats.peak_allocated_bytes = std::max(c.stats.peak_allocated_bytes, c.stats.allocated_bytes);
  c.high_water = std::max(c.high_water, c.stats.allocated_bytes);
}

}  // namespace

void* allocate(size_t nbytes) {
  size_t size = round_size(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (auto [ptr, block_size] = c.free_blocks.take(size); ptr != nullptr) {
      add_allocated(c, block_size);
      return ptr;
    }
    c.stats.system_allocations += 1;
  }
  size_t align = size >= kHugePage ? kHugePage : 64;
  void* ptr = std::aligned_alloc(align, (size + align - 1) / align * align);
  if (ptr == nullptr) {
    empty_cache();
    ptr = std::aligned_alloc(align, (size + align - 1) / align * align);
  }
  check(ptr != nullptr, "allocate: out of memory: cannot allocate ", nbytes, " bytes on the CPU (",
        stats().allocated_bytes, " bytes in use)");
  if (size >= kHugePage) madvise(ptr, size, MADV_HUGEPAGE);
  std::lock_guard<std::mutex> lock(c.mutex);
  c.free_blocks.track(ptr, size);
  add_allocated(c, size);
  return ptr;
}

void release(void* ptr, size_t /*nbytes*/) {
  if (ptr == nullptr) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
#ifdef MUSE_SANITIZE
  c.stats.allocated_bytes -= c.free_blocks.untrack(ptr);
  std::free(ptr);  // sanitizer builds free at once: a cached block would hide a use after free from ASan
#else
  c.stats.allocated_bytes -= c.free_blocks.put(ptr);
  // Shapes that change every step could otherwise fill the cache with blocks no request fits: past twice
  // the most ever in use at once, the largest cached blocks go back to the system.
  if (c.free_blocks.bytes() > 2 * c.high_water) c.free_blocks.trim(c.high_water, free_block);
#endif
}

Stats stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  Stats s = c.stats;
  s.cached_bytes = c.free_blocks.bytes();
  return s;
}

void reset_peak() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.peak_allocated_bytes = c.stats.allocated_bytes;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.free_blocks.clear(free_block);
}

}  // namespace muse::cpu_allocator

namespace muse {

CpuMemoryStats cpu_memory_stats() {
  cpu_allocator::Stats s = cpu_allocator::stats();
  return {s.allocated_bytes, s.cached_bytes, s.peak_allocated_bytes, s.system_allocations};
}

void cpu_empty_cache() { cpu_allocator::empty_cache(); }

void cpu_reset_peak_memory_stats() { cpu_allocator::reset_peak(); }

}  // namespace muse
