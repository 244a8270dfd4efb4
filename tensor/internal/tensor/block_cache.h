// The free lists behind both caching allocators (tensor/allocator.cpp for host memory,
// cuda/allocator.cu for the GPU): freed blocks are kept by their rounded size and handed out again to
// requests that round to the same size.
#pragma once

#include <cstddef>
#include <map>

namespace muse {

// Sizes are rounded up so that near-equal requests share a bucket: below 1 MiB to a multiple of
// `granule` (a power of two), then to eighths of the next power of two (at most 12.5% waste).
inline size_t round_block_size(size_t n, size_t granule) {
  if (n == 0) n = 1;
  if (n < (size_t{1} << 20)) return (n + granule - 1) & ~(granule - 1);
  size_t pow2 = size_t{1} << (64 - __builtin_clzll(n - 1));
  size_t step = pow2 / 8;
  return (n + step - 1) / step * step;
}

// Freed blocks by rounded size. Not thread-safe: each allocator holds its own lock around it.
class BlockCache {
 public:
  // A cached block of exactly `size` bytes, taken out of the cache, or nullptr.
  void* take(size_t size) {
    auto it = blocks_.find(size);
    if (it == blocks_.end()) return nullptr;
    void* ptr = it->second;
    blocks_.erase(it);
    bytes_ -= size;
    return ptr;
  }
  void put(size_t size, void* ptr) {
    blocks_.emplace(size, ptr);
    bytes_ += size;
  }
  // Hands every cached block to free(ptr) and forgets them.
  template <class Free>
  void clear(Free&& free) {
    for (auto& [size, ptr] : blocks_) free(ptr);
    blocks_.clear();
    bytes_ = 0;
  }
  size_t bytes() const { return bytes_; }

 private:
  std::multimap<size_t, void*> blocks_;
  size_t bytes_ = 0;
};

}  // namespace muse
