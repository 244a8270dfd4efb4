#include <doctest/doctest.h>

#include <algorithm>

#include "muse/memory.h"
#include "tensor/allocator.h"
#include "tensor/array.h"

using namespace muse;

#ifdef MUSE_SANITIZE
constexpr bool kCaching = false;  // sanitizer builds free blocks at once
#else
constexpr bool kCaching = true;
#endif

TEST_CASE("allocator: a freed block is reused, not requested from the system again" * doctest::skip(!kCaching)) {
  { Array warm = Array::empty({1 << 20}, kFloat32); }
  uint64_t before = cpu_allocator::stats().system_allocations;
  for (int step = 0; step < 10; ++step) {
    Array a = Array::empty({1 << 20}, kFloat32);  // 4 MiB, same size every step
    Array b = Array::empty({1000}, kFloat32);
  }
  CHECK(cpu_allocator::stats().system_allocations - before <= 1);  // at most the small block, once
}

TEST_CASE("allocator: empty_cache hands cached blocks back" * doctest::skip(!kCaching)) {
  { Array a = Array::empty({1 << 18}, kFloat64); }
  CHECK(cpu_allocator::stats().cached_bytes > 0);
  cpu_allocator::empty_cache();
  CHECK(cpu_allocator::stats().cached_bytes == 0);
}

// The same through the public API (muse/memory.h), with tensors.
TEST_CASE("cpu_memory_stats and cpu_empty_cache" * doctest::skip(!kCaching)) {
  cpu_empty_cache();
  size_t live = cpu_memory_stats().allocated_bytes;
  cpu_reset_peak_memory_stats();
  {
    Array a = Array::empty({1 << 18}, kFloat32);  // 1 MiB
    CHECK(cpu_memory_stats().allocated_bytes == live + (size_t{1} << 20));
  }
  CpuMemoryStats s = cpu_memory_stats();
  CHECK(s.allocated_bytes == live);
  CHECK(s.cached_bytes == size_t{1} << 20);
  CHECK(s.peak_allocated_bytes == live + (size_t{1} << 20));
  cpu_empty_cache();
  CHECK(cpu_memory_stats().cached_bytes == 0);
  CHECK(cpu_memory_stats().allocated_bytes == live);
}

TEST_CASE("allocator: large blocks are 2 MiB aligned and small ones 64-byte aligned") {
  Array big = Array::empty({1 << 20}, kFloat32), small = Array::empty({3}, kFloat32);
  CHECK(reinterpret_cast<uintptr_t>(big.storage->data) % (2 << 20) == 0);
  CHECK(reinterpret_cast<uintptr_t>(small.storage->data) % 64 == 0);
}

TEST_CASE("allocator: the peak counts the most bytes held since reset_peak") {
  cpu_allocator::empty_cache();  // so that no cached block of an earlier case serves these requests
  cpu_allocator::reset_peak();
  size_t base = cpu_allocator::stats().allocated_bytes;
  CHECK(cpu_allocator::stats().peak_allocated_bytes == base);
  { Array a = Array::empty({1 << 18}, kFloat32), b = Array::empty({1 << 16}, kFloat32); }  // 1 MiB + 256 KiB
  Array c = Array::empty({1 << 10}, kFloat32);
  CHECK(cpu_allocator::stats().peak_allocated_bytes == base + (1 << 20) + (1 << 18));
  cpu_allocator::reset_peak();
  CHECK(cpu_allocator::stats().peak_allocated_bytes == base + (1 << 12));
}

TEST_CASE("allocator: a cached block serves requests down to half its size, and no smaller" * doctest::skip(!kCaching)) {
  cpu_allocator::empty_cache();
  { Array a = Array::empty({1 << 18}, kFloat32); }  // a 1 MiB block, now cached
  uint64_t calls = cpu_allocator::stats().system_allocations;
  size_t base = cpu_allocator::stats().allocated_bytes;
  {
    Array b = Array::empty({150000}, kFloat32);  // 600,000 bytes: the 1 MiB block fits, at under twice the size
    CHECK(cpu_allocator::stats().system_allocations == calls);
    CHECK(cpu_allocator::stats().allocated_bytes == base + (1 << 20));  // the whole block is counted
  }
  Array c = Array::empty({100000}, kFloat32);  // 400,000 bytes: under half of 1 MiB, so a block of its own
  CHECK(cpu_allocator::stats().system_allocations == calls + 1);
  CHECK(cpu_allocator::stats().allocated_bytes == base + 400000);  // a multiple of 64: no rounding
}

TEST_CASE("allocator: shapes that change every step share blocks, and the cache stays bounded" * doctest::skip(!kCaching)) {
  // A padded batch of sentences of length T in 5..40 each step: three activations of T x 64 x {256, 512,
  // 1024} floats. With one free list per exact size the cache would end up holding blocks for all 36
  // lengths, about 20 times one step's memory; blocks that fit up to twice a request are shared instead.
  cpu_allocator::empty_cache();
  size_t base = cpu_allocator::stats().allocated_bytes;
  size_t step_peak = 0;
  uint64_t calls_before_last_100 = 0;
  for (int step = 0; step < 300; ++step) {
    if (step == 200) calls_before_last_100 = cpu_allocator::stats().system_allocations;
    int64_t t = 5 + (step * 7) % 36;
    Array a = Array::empty({t, 64, 256}, kFloat32), b = Array::empty({t, 64, 512}, kFloat32),
          c = Array::empty({t, 64, 1024}, kFloat32);
    step_peak = std::max(step_peak, cpu_allocator::stats().allocated_bytes - base);
  }
  // The 36 lengths cycle, so after two rounds every request finds a cached block.
  CHECK(cpu_allocator::stats().system_allocations == calls_before_last_100);
  const size_t one_step = 40 * 64 * (256 + 512 + 1024) * 4;  // the longest step's bytes, 18.4 MB
  CHECK(step_peak <= 2 * one_step);                          // a request gets at most twice its size
  // Never more cached than twice the most ever in use at once (the trim), and far less than 36 lengths' worth.
  CHECK(cpu_allocator::stats().cached_bytes <= 2 * (base + step_peak));
  CHECK(cpu_allocator::stats().cached_bytes < 4 * one_step);
}
