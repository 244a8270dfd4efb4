// Flatten and Unflatten, as torch.nn.Flatten and torch.nn.Unflatten: views that merge or split dims.
#pragma once

#include "muse/nn/module.h"

namespace muse::nn {

// Merges dims start_dim..end_dim into one: (N, C, H, W) -> (N, C * H * W) with the defaults.
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const int64_t start_dim;
  const int64_t end_dim;
};

// Splits dim into unflattened_size (one entry may be -1, inferred): Unflatten(1, {2, 5}) takes
// (N, 10) to (N, 2, 5).
class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, Shape unflattened_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const int64_t dim;
  const Shape unflattened_size;
};

}  // namespace muse::nn
