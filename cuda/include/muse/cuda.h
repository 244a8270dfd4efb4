// Is there a GPU, and which one; the CUDA backend's few settings. The queries answer false / 0 when
// muse was built without CUDA or when the machine has no usable GPU; they never crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace muse::cuda {

bool is_available();  // built with CUDA and at least one device answers
int device_count();
std::string device_name(int index = 0);  // throws muse::Error for an index out of range
bool built_with_cuda();

// float32 matmul on tensor cores in TF32 (10-bit mantissa products: about 1e-3 relative error, several
// times faster). Off by default, so CUDA results stay within float32 rounding of the CPU's.
void set_allow_tf32(bool allow);
bool allow_tf32();

// Waits until every kernel queued on the GPU has finished (for timing; muse synchronises by itself
// wherever a result is read back to the host).
void synchronize();

// The caching allocator's counters: bytes held by live tensors, bytes kept in its free lists for
// reuse, and how many times it had to ask the driver (cudaMalloc) for fresh memory.
struct MemoryStats {
  size_t allocated_bytes = 0;
  size_t cached_bytes = 0;
  uint64_t device_allocations = 0;
};
MemoryStats memory_stats();
// Hands every cached block back to the driver.
void empty_cache();

}  // namespace muse::cuda
