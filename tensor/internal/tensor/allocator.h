// The CPU caching allocator. Fresh memory costs a page fault per 4 KiB page on first touch (about
// 10 us each on these machines), and glibc hands large freed blocks back to the system, so an engine
// that frees and reallocates its activations every step would spend most of the step faulting. Freed
// blocks are kept in size-bucketed free lists and reused; a steady-state training step asks the system
// for nothing. A request takes the smallest cached block that fits it, up to twice its size, so that
// shapes that change from step to step (padded batches of sentences) share blocks; should the cache still
// grow past twice the most bytes ever in use at once, its largest blocks go back to the system. Blocks of
// 2 MiB and more are aligned to 2 MiB and advised as transparent huge pages.
#pragma once

#include <cstddef>
#include <cstdint>

namespace muse::cpu_allocator {

void* allocate(size_t nbytes);
void release(void* ptr, size_t nbytes);

struct Stats {
  size_t allocated_bytes;  // handed out and not yet released (whole blocks: a request may get up to twice its size)
  size_t cached_bytes;     // held in the free lists
  uint64_t system_allocations;  // calls that went to the system
  size_t peak_allocated_bytes;  // the most allocated_bytes has been since the last reset_peak()
};
Stats stats();
// Starts a new peak from the bytes allocated now (for tests that bound an op's working memory).
void reset_peak();

// Returns every cached block to the system.
void empty_cache();

}  // namespace muse::cpu_allocator
