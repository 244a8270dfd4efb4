// The free lists behind both caching allocators (tensor/allocator.cpp for host memory,
// cuda/allocator.cu for the GPU): freed blocks are kept by their size and handed out again to requests
// they fit.
#pragma once

#include <cstddef>
#include <iterator>
#include <map>
#include <unordered_map>
#include <utility>

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

// Freed blocks by size, and the size of every block handed out. take() returns the smallest cached block
// that fits a request, if it is at most twice the request: a fixed-shape training step finds its exact
// sizes again every step, and shapes that vary from step to step (padded batches of sentences) reuse one
// another's blocks instead of each adding blocks of its own sizes. Not thread-safe: each allocator holds
// its own lock around it.
class BlockCache {
 public:
  // A cached block of `size` to 2 x `size` bytes (the smallest there is), taken out of the cache:
  // {block, its size}, or {nullptr, 0}. `size` is already rounded.
  std::pair<void*, size_t> take(size_t size) {
    auto it = blocks_.lower_bound(size);
    if (it == blocks_.end() || it->first > 2 * size) return {nullptr, 0};
    auto [block_size, ptr] = *it;
    blocks_.erase(it);
    bytes_ -= block_size;
    in_use_.emplace(ptr, block_size);
    return {ptr, block_size};
  }
  // Records a block the allocator got from the system for a request of `size` (rounded) bytes.
  void track(void* ptr, size_t size) { in_use_.emplace(ptr, size); }
  // Takes back a block handed out by take() or recorded by track(); returns its size (0 for a pointer
  // this cache never handed out, which it then does not keep).
  size_t put(void* ptr) {
    auto it = in_use_.find(ptr);
    if (it == in_use_.end()) return 0;
    size_t size = it->second;
    in_use_.erase(it);
    blocks_.emplace(size, ptr);
    bytes_ += size;
    return size;
  }
  // Forgets a block handed out (it goes back to the system instead); returns its size, or 0 as put().
  size_t untrack(void* ptr) {
    auto it = in_use_.find(ptr);
    if (it == in_use_.end()) return 0;
    size_t size = it->second;
    in_use_.erase(it);
    return size;
  }
  // Hands the largest cached blocks to free(ptr) until the cache holds at most `limit` bytes.
  template <class Free>
  void trim(size_t limit, Free&& free) {
    while (bytes_ > limit && !blocks_.empty()) {
      auto last = std::prev(blocks_.end());
      free(last->second);
      bytes_ -= last->first;
      blocks_.erase(last);
    }
  }
  // Hands every cached block to free(ptr) and forgets them.
  template <class Free>
  void clear(Free&& free) { trim(0, free); }
  size_t bytes() const { return bytes_; }

 private:
  std::multimap<size_t, void*> blocks_;        // cached: size -> block
  std::unordered_map<void*, size_t> in_use_;  // handed out: block -> size
  size_t bytes_ = 0;                           // the sum of the cached blocks' sizes
};

}  // namespace muse
