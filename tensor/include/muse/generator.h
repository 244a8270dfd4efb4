// Seeded random number generators. muse uses Philox4x32-10 (Salmon et al., "Parallel random numbers:
// as easy as 1, 2, 3", SC 2011): a counter-based generator whose i-th output depends only on (seed, i),
// so the same seed gives the same numbers on every run, machine and backend, and a kernel can draw its
// numbers in parallel. A Generator is just (seed, offset): each draw of n numbers consumes counters
// [offset, offset + n) and advances the offset, which is all the state a checkpoint needs to save.
#pragma once

#include <cstdint>

namespace muse {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}

  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }

  // Reserves n counters (each Philox counter yields four 32-bit words) and returns the first.
  uint64_t advance(uint64_t n) {
    uint64_t first = offset_;
    offset_ += n;
    return first;
  }

 private:
  uint64_t seed_ = 0;
  uint64_t offset_ = 0;
};

// The generator used when none is passed; seeded with 0 at start, like a fresh PyTorch process with
// torch.manual_seed(0).
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace muse
