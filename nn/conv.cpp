#include "muse/nn/conv.h"

#include <cmath>

#include "muse/nn/init.h"

namespace muse::nn {
namespace {

std::string pair(Int2 v) { return str("(", v.h, ", ", v.w, ")"); }

// What both layers check on construction (PyTorch's _ConvNd checks).
void check_layer(const char* name, int64_t in, int64_t out, Int2 k, int64_t groups) {
  check(in > 0 && out > 0, name, ": in_channels and out_channels must be positive, got ", in, " and ", out);
  check(k.h > 0 && k.w > 0, name, ": kernel_size must be positive, got ", pair(k));
  check(groups > 0, name, ": groups must be positive, got ", groups);
  check(in % groups == 0 && out % groups == 0, name, ": in_channels ", in, " and out_channels ", out,
        " must be divisible by groups ", groups);
}

// kaiming_uniform with a = sqrt(5) on the weight (bound 1 / sqrt(fan_in)), then the bias U(-b, b) with the
// same b = 1 / sqrt(fan_in), fan_in = weight dim 1 * kh * kw, as torch.nn's _ConvNd.reset_parameters.
void reset(Tensor& weight, Tensor& bias, Generator& gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  if (!bias.defined()) return;
  double bound = 1 / std::sqrt(static_cast<double>(init::calculate_fan_in_and_fan_out(weight).first));
  init::uniform_(bias, -bound, bound, gen);
}

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

// The input checks that name the layer: (N, C, H, W) or (C, H, W) with C = channels, the weights' dtype.
void check_input(const std::string& label, const Tensor& x, int64_t channels, const Tensor& weight) {
  check(x.defined(), label, ": got an undefined input");
  check((x.dim() == 4 || x.dim() == 3) && x.size(-3) == channels, label, ": expected input (N, ", channels,
        ", H, W) or (", channels, ", H, W), got ", x.shape());
  check(x.dtype() == weight.dtype(), label, ": input is ", x.dtype(), " but the weights are ", weight.dtype(),
        " (convert the input, or the module with to(", x.dtype(), "))");
}

}  // namespace

Conv2d::Conv2d(int64_t in, int64_t out, Int2 k, Conv2dOptions o, Generator& gen)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_layer("Conv2d", in, out, k, o.groups);
  weight = register_parameter("weight", empty({out, in / o.groups, k.h, k.w}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters(gen);
}

void Conv2d::reset_parameters(Generator& gen) { reset(weight, bias, gen); }

Tensor Conv2d::forward(const Tensor& x) {
  check_input(label(), x, in_channels, weight);
  return conv2d(x, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options;
  return conv_repr(in_channels, out_channels, kernel_size, o.stride, o.padding, o.dilation, 0, o.groups, o.bias);
}

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, Int2 k, ConvTranspose2dOptions o, Generator& gen)
    : Module("ConvTranspose2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_layer("ConvTranspose2d", in, out, k, o.groups);
  weight = register_parameter("weight", empty({in, out / o.groups, k.h, k.w}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters(gen);
}

void ConvTranspose2d::reset_parameters(Generator& gen) { reset(weight, bias, gen); }

Tensor ConvTranspose2d::forward(const Tensor& x) {
  check_input(label(), x, in_channels, weight);
  const ConvTranspose2dOptions& o = options;
  return conv_transpose2d(x, weight, bias, o.stride, o.padding, o.output_padding, o.groups, o.dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  const ConvTranspose2dOptions& o = options;
  return conv_repr(in_channels, out_channels, kernel_size, o.stride, o.padding, o.dilation, o.output_padding,
                   o.groups, o.bias);
}

}  // namespace muse::nn
