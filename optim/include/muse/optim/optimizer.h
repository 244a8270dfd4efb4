// The base of every optimizer: it holds the parameters it updates and clears their gradients.
#pragma once

#include <vector>

#include "muse/tensor.h"

namespace muse::optim {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params, const char* name);
  virtual ~Optimizer() = default;

  // One update from the parameters' current .grad (parameters without a gradient are skipped).
  virtual void step() = 0;
  // Resets every parameter's gradient: undefined when set_to_none (PyTorch's default), else zeros.
  void zero_grad(bool set_to_none = true);
  const std::vector<Tensor>& parameters() const { return params_; }

 protected:
  std::vector<Tensor> params_;
};

}  // namespace muse::optim
