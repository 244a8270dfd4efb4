#include <doctest/doctest.h>

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

TEST_CASE("allocator: large blocks are 2 MiB aligned and small ones 64-byte aligned") {
  Array big = Array::empty({1 << 20}, kFloat32), small = Array::empty({3}, kFloat32);
  CHECK(reinterpret_cast<uintptr_t>(big.storage->data) % (2 << 20) == 0);
  CHECK(reinterpret_cast<uintptr_t>(small.storage->data) % 64 == 0);
}

TEST_CASE("allocator: the peak counts the most bytes held since reset_peak") {
  cpu_allocator::reset_peak();
  size_t base = cpu_allocator::stats().allocated_bytes;
  CHECK(cpu_allocator::stats().peak_allocated_bytes == base);
  { Array a = Array::empty({1 << 18}, kFloat32), b = Array::empty({1 << 16}, kFloat32); }  // 1 MiB + 256 KiB
  Array c = Array::empty({1 << 10}, kFloat32);
  CHECK(cpu_allocator::stats().peak_allocated_bytes == base + (1 << 20) + (1 << 18));
  cpu_allocator::reset_peak();
  CHECK(cpu_allocator::stats().peak_allocated_bytes == base + (1 << 12));
}
