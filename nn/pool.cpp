#include "muse/nn/pool.h"

namespace muse::nn {

namespace {

// The 2-D layers take (C, H, W) or (N, C, H, W).
void check_planes(const std::string& layer, const Tensor& x) {
  check(x.defined(), layer, ": got an undefined input");
  check(x.dim() == 3 || x.dim() == 4, layer, ": expected a 3D (C, H, W) or 4D (N, C, H, W) input, got ",
        x.dim(), "D input of shape ", format_sizes(x.shape()));
}

}  // namespace

std::string format_pair(Int2 v) { return v.h == v.w ? std::to_string(v.h) : str("(", v.h, ", ", v.w, ")"); }

MaxPool2d::MaxPool2d(Int2 k, MaxPool2dOptions opts) : Module("MaxPool2d"), kernel_size(k), options(opts) {}

Tensor MaxPool2d::forward(const Tensor& x) {
  check_planes(label(), x);
  return max_pool2d(x, kernel_size, options.stride, options.padding, options.dilation, options.ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return str("kernel_size=", format_pair(kernel_size), ", stride=", format_pair(options.stride.value_or(kernel_size)),
             ", padding=", format_pair(options.padding), ", dilation=", format_pair(options.dilation),
             ", ceil_mode=", format_bool(options.ceil_mode));
}

AvgPool2d::AvgPool2d(Int2 k, AvgPool2dOptions opts) : Module("AvgPool2d"), kernel_size(k), options(opts) {}

Tensor AvgPool2d::forward(const Tensor& x) {
  check_planes(label(), x);
  return avg_pool2d(x, kernel_size, options.stride, options.padding, options.ceil_mode, options.count_include_pad,
                    options.divisor_override);
}

// PyTorch prints only these three, whatever the other options.
std::string AvgPool2d::extra_repr() const {
  return str("kernel_size=", format_pair(kernel_size), ", stride=", format_pair(options.stride.value_or(kernel_size)),
             ", padding=", format_pair(options.padding));
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Int2 size) : Module("AdaptiveAvgPool2d"), output_size(size) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  check_planes(label(), x);
  return adaptive_avg_pool2d(x, output_size);
}

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + format_pair(output_size); }

}  // namespace muse::nn
