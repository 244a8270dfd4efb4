#include "muse/optim/sgd.h"

#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer(std::move(params), "SGD"), options_(options), momentum_buffers_(params_.size()) {
  check(options.lr >= 0, "SGD: invalid learning rate ", options.lr);
  check(options.momentum >= 0, "SGD: invalid momentum ", options.momentum);
  check(options.weight_decay >= 0, "SGD: invalid weight_decay ", options.weight_decay);
  check(!options.nesterov || (options.momentum > 0 && options.dampening == 0),
        "SGD: nesterov momentum requires a momentum and zero dampening");
}

void SGD::step() {
  NoGradGuard no_grad;
  const SGDOptions& o = options_;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor g = p.grad();
    if (o.weight_decay != 0) g = g + o.weight_decay * p;
    if (o.momentum != 0) {
      Tensor& b = momentum_buffers_[i];
      if (!b.defined()) b = g.clone();
      else b.mul_(o.momentum).add_(g, 1 - o.dampening);
      g = o.nesterov ? g + o.momentum * b : b;
    }
    p.add_(g, -o.lr);
  }
}

}  // namespace muse::optim
