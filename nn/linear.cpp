#include "muse/nn/linear.h"

#include <cmath>

#include "muse/nn/init.h"
#include "muse/ops.h"

namespace muse::nn {

Linear::Linear(int64_t in, int64_t out, bool with_bias, Generator& gen)
    : Module("Linear"), in_features(in), out_features(out) {
  check(in >= 0 && out >= 0, "Linear: in_features and out_features must be non-negative, got ", in, " and ", out);
  weight = register_parameter("weight", empty({out, in}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters(gen);
}

// kaiming_uniform with a = sqrt(5): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in).
// An empty weight (in_features = 0) is left as it is, and the bias bound is then 0, as in PyTorch.
void Linear::reset_parameters(Generator& gen) {
  if (weight.numel() > 0) init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  if (!bias.defined()) return;
  double bound = in_features > 0 ? 1 / std::sqrt(static_cast<double>(in_features)) : 0;
  init::uniform_(bias, -bound, bound, gen);
}

Tensor Linear::forward(const Tensor& x) {
  check(x.defined(), label(), ": got an undefined input");
  check(x.dim() >= 1 && x.size(-1) == in_features, label(), ": expected input with last dimension ", in_features,
        ", got ", format_sizes(x.shape()));
  check(x.dtype() == weight.dtype(), label(), ": input is ", x.dtype(), " but the weights are ", weight.dtype(),
        " (convert the input, or the module with to(", x.dtype(), "))");
  return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
  return str("in_features=", in_features, ", out_features=", out_features, ", bias=", format_bool(bias.defined()));
}

}  // namespace muse::nn
