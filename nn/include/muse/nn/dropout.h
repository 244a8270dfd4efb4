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

}  // namespace muse::nn
