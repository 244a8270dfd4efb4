// The gradchecks' inputs: float64 standard normal values from a generator seeded per input, so that
// every check sees the same numbers on every run and machine.
#pragma once

#include <vector>

#include "muse/ops.h"

namespace muse::testing {

using Inputs = std::vector<Tensor>;

inline Tensor input(const Shape& shape, uint64_t seed, bool grad = true) {
  Generator g(seed);
  return randn(shape, {.dtype = kFloat64, .requires_grad = grad}, g);
}

}  // namespace muse::testing
