// Dropout and Dropout2d, as torch.nn's (Srivastava et al., 2014; Tompson et al., 2015), in the
// "inverted" form: while training each element (Dropout) or each whole channel (n, c) of an (N, C, H, W)
// input (Dropout2d) is zeroed with probability p and the kept ones are scaled by 1 / (1 - p), so the
// expected output equals the input and evaluation is the identity.
#pragma once

#include "muse/nn/module.h"

namespace muse::nn {

// What the two share (PyTorch's _DropoutNd): p, the generator, printing.
class DropoutNd : public Module {
 public:
  std::string extra_repr() const override;

  const double p;

 protected:
  // The masks are drawn from gen (the global generator by default), which must outlive the module.
  DropoutNd(std::string name, double p, Generator& gen);
  Generator& generator() const { return *gen_; }

 private:
  Generator* gen_;
};

class Dropout : public DropoutNd {
 public:
  explicit Dropout(double p = 0.5, Generator& gen = default_generator()) : DropoutNd("Dropout", p, gen) {}
  Tensor forward(const Tensor& x) override;
};

// Takes (N, C, H, W), or (N, C, L) as PyTorch 1.13 reads a 3-D input.
class Dropout2d : public DropoutNd {
 public:
  explicit Dropout2d(double p = 0.5, Generator& gen = default_generator()) : DropoutNd("Dropout2d", p, gen) {}
  Tensor forward(const Tensor& x) override;
};

}  // namespace muse::nn
