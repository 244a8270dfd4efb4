#include "tensor/allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "muse/error.h"

namespace muse::cpu_allocator {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// Sizes are rounded up so that near-equal requests share buckets: to 64 bytes below 1 MiB, then to
// eighths of the next power of two (at most 12.5% waste).
size_t round_size(size_t n) {
  if (n < (size_t{1} << 20)) return (n + 63) & ~size_t{63};
  size_t pow2 = size_t{1} << (64 - __builtin_clzll(n - 1));
  size_t step = pow2 / 8;
  return (n + step - 1) / step * step;
}

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, void*> free_blocks;  // rounded size -> block
  Stats stats{};

  void release_all() {
    for (auto& [size, ptr] : free_blocks) std::free(ptr);
    free_blocks.clear();
    stats.cached_bytes = 0;
  }
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: tensors in static objects may outlive it
  return *c;
}

}  // namespace

void* allocate(size_t nbytes) {
  size_t size = round_size(nbytes == 0 ? 1 : nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end()) {
      void* ptr = it->second;
      c.free_blocks.erase(it);
      c.stats.cached_bytes -= size;
      c.stats.allocated_bytes += size;
      return ptr;
    }
    c.stats.allocated_bytes += size;
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
  return ptr;
}

void release(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  size_t size = round_size(nbytes == 0 ? 1 : nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.allocated_bytes -= size;
#ifdef MUSE_SANITIZE
  std::free(ptr);  // sanitizer builds free at once: a cached block would hide a use after free from ASan
#else
  c.free_blocks.emplace(size, ptr);
  c.stats.cached_bytes += size;
#endif
}

Stats stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.stats;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.release_all();
}

}  // namespace muse::cpu_allocator
