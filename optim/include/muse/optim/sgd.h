// Stochastic gradient descent with PyTorch's semantics (torch.optim.SGD). For each parameter p with
// gradient g, at step t:
//   g <- g + weight_decay * p
//   b <- g                                   (t = 1)
//   b <- momentum * b + (1 - dampening) * g  (t > 1)
//   g <- nesterov ? g + momentum * b : b     (when momentum != 0)
//   p <- p - lr * g
#pragma once

#include "muse/optim/optimizer.h"

namespace muse::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;
  const SGDOptions& options() const { return options_; }

 private:
  SGDOptions options_;
  std::vector<Tensor> momentum_buffers_;  // one per parameter, undefined until its first step
};

}  // namespace muse::optim
