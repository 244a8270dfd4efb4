// Dropout, as torch.nn.Dropout (Srivastava et al., 2014), in its "inverted" form: while training each
// element is zeroed with probability p and the kept ones are scaled by 1 / (1 - p), so the expected
// output equals the input and evaluation is the identity.
#pragma once

#include "muse/nn/module.h"

namespace muse::nn {

class Dropout : public Module {
 public:
  // The masks are drawn from gen (the global generator by default), which must outlive the module.
  explicit Dropout(double p = 0.5, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const double p;

 private:
  Generator* gen_;
};

// Channel dropout, as torch.nn.Dropout2d: while training, each channel (n, c) of an (N, C, H, W) input
// is zeroed whole with probability p and the others scaled by 1 / (1 - p) (nn::functional::dropout2d).
class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const double p;

 private:
  Generator* gen_;
};

}  // namespace muse::nn
