// How much CPU memory muse's tensors hold, and giving cached memory back (the allocator:
// tensor/allocator.cpp). A freed tensor's memory stays in muse's cache for the next tensor of a similar
// size, so that a training step does not pay a page fault per fresh page every step; the cache is
// bounded by twice the most bytes ever in use at once, and cpu_empty_cache() empties it on request (the
// GPU's counterparts are muse::cuda::memory_stats and muse::cuda::empty_cache in muse/cuda.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace muse {

struct CpuMemoryStats {
  size_t allocated_bytes = 0;       // held by live tensors (whole cached blocks: up to twice the request)
  size_t cached_bytes = 0;          // kept in the cache for reuse
  size_t peak_allocated_bytes = 0;  // the most allocated_bytes has been since cpu_reset_peak_memory_stats()
  uint64_t system_allocations = 0;  // requests the cache could not serve, which went to the system
};
CpuMemoryStats cpu_memory_stats();
// Hands every cached block back to the system; live tensors keep theirs.
void cpu_empty_cache();
// Starts a new peak from the bytes allocated now.
void cpu_reset_peak_memory_stats();

}  // namespace muse
