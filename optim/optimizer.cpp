#include "muse/optim/optimizer.h"

#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse::optim {

Optimizer::Optimizer(std::vector<Tensor> params, const char* name) : params_(std::move(params)) {
  for (size_t i = 0; i < params_.size(); ++i) {
    check(params_[i].defined(), name, ": parameter ", i, " is an undefined tensor");
    check(params_[i].is_leaf() && params_[i].requires_grad(), name, ": parameter ", i, " (shape ",
          params_[i].shape(), ") must be a leaf tensor that requires grad");
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (Tensor& p : params_) {
    if (set_to_none) p.mutable_grad() = Tensor();
    else if (p.grad().defined()) p.mutable_grad().zero_();
  }
}

}  // namespace muse::optim
