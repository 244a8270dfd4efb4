// Tensors of every dtype safetensors tests exchange, with values that every side can build exactly from a
// formula: tests/io/torch_interop.py builds the same list in PyTorch (keep the two in step).
#pragma once

#include <cstdint>
#include <limits>

#include "muse/io/safetensors.h"
#include "muse/ops.h"

namespace muse::testing {

inline io::NamedTensors sample_tensors() {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  return {
      {"f32", (arange(24) * 0.5 - 3).reshape({2, 3, 4})},             // -3, -2.5, ..., 8.5
      {"f64", (arange(6, {.dtype = kFloat64}) / 3).reshape({3, 2})},  // i / 3, rounded once
      {"i64", from_vector<int64_t>({kMin, -1, 0, 1, (int64_t{1} << 53) + 1, kMax}, {6}, {.dtype = kInt64})},
      {"bool", from_vector<int64_t>({1, 0, 0, 1, 0, 1, 1}, {7}, {.dtype = kInt64}) != 0.0},
      {"scalar", scalar_tensor(3.25)},               // 0-dim float32
      {"flag", scalar_tensor(1, {.dtype = kBool})},  // 0-dim bool
      {"empty", zeros({0, 3}, {.dtype = kFloat64})},
      {"empty_i64", zeros({2, 0}, {.dtype = kInt64})},
      {"transposed", arange(12).reshape({3, 4}).t()},  // non-contiguous (4, 3)
  };
}

}  // namespace muse::testing
