#include "muse/nn/layer_norm.h"

#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse::nn {

LayerNorm::LayerNorm(std::vector<int64_t> shape, LayerNormOptions opts)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), options(opts) {
  Shape s;
  for (int64_t n : normalized_shape) s.push_back(n);
  check(!normalized_shape.empty(), "LayerNorm: normalized_shape must name at least one dim");
  for (int64_t n : normalized_shape) check(n > 0, "LayerNorm: normalized_shape ", s, " must be positive");
  check(opts.eps >= 0, "LayerNorm: eps must be non-negative, got ", opts.eps);
  if (!options.elementwise_affine) return;
  weight = register_parameter("weight", ones(s));
  if (options.bias) bias = register_parameter("bias", zeros(s));
}

void LayerNorm::reset_parameters() {
  NoGradGuard no_grad;
  if (weight.defined()) weight.fill_(1);
  if (bias.defined()) bias.zero_();
}

Tensor LayerNorm::forward(const Tensor& x) {
  check(x.defined(), label(), ": got an undefined input");
  return layer_norm(x, normalized_shape, weight, bias, options.eps);
}

std::string LayerNorm::extra_repr() const {
  std::string s = "(";
  for (size_t i = 0; i < normalized_shape.size(); ++i) s += (i ? ", " : "") + std::to_string(normalized_shape[i]);
  s += normalized_shape.size() == 1 ? ",)" : ")";
  return str(s, ", eps=", options.eps, ", elementwise_affine=", format_bool(options.elementwise_affine));
}

}  // namespace muse::nn
