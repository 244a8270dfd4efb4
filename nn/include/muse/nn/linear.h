// Linear and Identity, as torch.nn.Linear and torch.nn.Identity.
#pragma once

#include "muse/nn/module.h"

namespace muse::nn {

// y = x W^T + b for x (..., in_features); y is (..., out_features). PyTorch's default initialisation:
// W ~ kaiming_uniform(a = sqrt(5)), which is U(-1/sqrt(in), 1/sqrt(in)), and b ~ the same uniform; the
// weight's numbers are drawn from gen first, then the bias's.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, Generator& gen = default_generator());

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // Draws new weights and bias as the constructor does.
  void reset_parameters(Generator& gen = default_generator());

  const int64_t in_features;
  const int64_t out_features;
  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features,), undefined without bias
};

// y = x: a placeholder that keeps the indices of a Sequential (and its state_dict keys) stable.
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

}  // namespace muse::nn
