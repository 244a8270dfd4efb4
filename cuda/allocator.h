// The CUDA caching allocator. cudaMalloc and cudaFree are slow (cudaFree also synchronises the device),
// so freed blocks are kept in size-bucketed free lists and handed out again: a training step that
// repeats the same shapes asks the driver for nothing after the first step. All work runs on the one
// default stream, so a block released while a kernel still uses it is only reused by later work in
// the same stream order, which is safe.
#pragma once

#include <cstddef>

#include "muse/cuda.h"

namespace muse::cuda::allocator {

// On cudaErrorMemoryAllocation: frees the cache and retries once, then throws muse::Error stating the
// bytes requested, the device's free bytes and the bytes cached.
void* allocate(size_t nbytes);
void release(void* ptr, size_t nbytes);
MemoryStats stats();
void empty_cache();

}  // namespace muse::cuda::allocator
