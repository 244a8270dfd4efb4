#include "muse/nn/conv.h"

#include <cmath>

#include "muse/nn/init.h"

namespace muse::nn {
namespace {

std::string pair(Int2 v) { return str("(", v.h, ", ", v.w, ")"); }

// PyTorch's extra_repr: the options that differ from their defaults, in its order.
std::string conv_repr(int64_t in, int64_t out, Int2 k, Int2 stride, Int2 padding, Int2 dilation,
                      Int2 output_padding, int64_t groups, bool bias) {
  std::string s = str(in, ", ", out, ", kernel_size=", pair(k), ", stride=", pair(stride));
  if (!(padding == Int2(0))) s += ", padding=" + pair(padding);
  if (!(dilation == Int2(1))) s += ", dilation=" + pair(dilation);
  if (!(output_padding == Int2(0))) s += ", output_padding=" + pair(output_padding);
  if (groups != 1) s += str(", groups=", groups);
  if (!bias) s += ", bias=False";
  return s;
}

// PyTorch's _ConvNd checks, before anything is allocated.
int64_t checked_groups(const char* name, int64_t in, int64_t out, Int2 k, int64_t groups) {
  check(in > 0 && out > 0, name, ": in_channels and out_channels must be positive, got ", in, " and ", out);
  check(k.h > 0 && k.w > 0, name, ": kernel_size must be positive, got ", pair(k));
  check(groups > 0, name, ": groups must be positive, got ", groups);
  check(in % groups == 0 && out % groups == 0, name, ": in_channels ", in, " and out_channels ", out,
        " must be divisible by groups ", groups);
  return groups;
}

}  // namespace

ConvBase::ConvBase(const char* name, int64_t in, int64_t out, Int2 k, int64_t groups, bool with_bias, bool transposed,
                   Generator& gen)
    : Module(name), in_channels(in), out_channels(out), kernel_size(k) {
  int64_t g = checked_groups(name, in, out, k, groups);
  weight = register_parameter("weight", transposed ? empty({in, out / g, k.h, k.w}) : empty({out, in / g, k.h, k.w}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters(gen);
}

// kaiming_uniform with a = sqrt(5): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in).
void ConvBase::reset_parameters(Generator& gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  if (!bias.defined()) return;
  double bound = 1 / std::sqrt(static_cast<double>(init::calculate_fan_in_and_fan_out(weight).first));
  init::uniform_(bias, -bound, bound, gen);
}

void ConvBase::check_input(const Tensor& x) const {
  check(x.defined(), label(), ": got an undefined input");
  check((x.dim() == 4 || x.dim() == 3) && x.size(-3) == in_channels, label(), ": expected input (N, ", in_channels,
        ", H, W) or (", in_channels, ", H, W), got ", x.shape());
  check(x.dtype() == weight.dtype(), label(), ": input is ", x.dtype(), " but the weights are ", weight.dtype(),
        " (convert the input, or the module with to(", x.dtype(), "))");
}

Conv2d::Conv2d(int64_t in, int64_t out, Int2 k, Conv2dOptions o, Generator& gen)
    : ConvBase("Conv2d", in, out, k, o.groups, o.bias, false, gen), options(o) {}

Tensor Conv2d::forward(const Tensor& x) {
  check_input(x);
  return conv2d(x, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options;
  return conv_repr(in_channels, out_channels, kernel_size, o.stride, o.padding, o.dilation, 0, o.groups, o.bias);
}

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, Int2 k, ConvTranspose2dOptions o, Generator& gen)
    : ConvBase("ConvTranspose2d", in, out, k, o.groups, o.bias, true, gen), options(o) {}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  check_input(x);
  const ConvTranspose2dOptions& o = options;
  return conv_transpose2d(x, weight, bias, o.stride, o.padding, o.output_padding, o.groups, o.dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  const ConvTranspose2dOptions& o = options;
  return conv_repr(in_channels, out_channels, kernel_size, o.stride, o.padding, o.dilation, o.output_padding,
                   o.groups, o.bias);
}

}  // namespace muse::nn
