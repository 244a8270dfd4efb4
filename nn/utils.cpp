#include "muse/nn/utils.h"

#include <cmath>

#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse::nn::utils {
namespace {

std::vector<Tensor> grads_of(const std::vector<Tensor>& params, const char* op) {
  std::vector<Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    check(params[i].defined(), op, ": parameter ", i, " is an undefined tensor");
    if (params[i].grad().defined()) grads.push_back(params[i].grad());
  }
  return grads;
}

}  // namespace

// Each gradient's norm is taken in its own dtype; the total is combined in float64, so gradients of
// different dtypes can be clipped together.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  check(max_norm >= 0, "clip_grad_norm_: max_norm must be >= 0, got ", max_norm);
  check(norm_type > 0, "clip_grad_norm_: norm_type must be positive (or infinity), got ", norm_type);
  NoGradGuard no_grad;
  std::vector<Tensor> grads = grads_of(params, "clip_grad_norm_");
  if (grads.empty()) return 0;
  std::vector<Tensor> norms;
  for (const Tensor& g : grads) norms.push_back(norm(g, norm_type).to(kFloat64));
  const double total = norm(stack(norms), norm_type).item();
  check(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm of order ", norm_type,
        " of the gradients is ", total, ", so they cannot be clipped; pass error_if_nonfinite = false to scale "
        "them by it anyway");
  const double coef = max_norm / (total + 1e-6);
  if (!(coef >= 1)) {  // also a NaN coefficient, which PyTorch's clamp(coef, max=1) passes on
    for (Tensor& g : grads) g.mul_(coef);
  }
  return total;
}

// PyTorch: p.grad.clamp_(min=-clip_value, max=clip_value).
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  check(clip_value >= 0, "clip_grad_value_: clip_value must be >= 0, got ", clip_value);
  NoGradGuard no_grad;
  for (Tensor& g : grads_of(params, "clip_grad_value_")) g.copy_(clamp(g, -clip_value, clip_value));
}

}  // namespace muse::nn::utils
