// Conv2d and ConvTranspose2d, as torch.nn.Conv2d and torch.nn.ConvTranspose2d (zero padding), on the
// conv2d / conv_transpose2d ops (muse/ops.h). Options are designated initializers:
//   Conv2d conv(1, 64, 4, {.stride = 2, .padding = 1});
#pragma once

#include "muse/nn/module.h"
#include "muse/ops.h"

namespace muse::nn {

// What both layers share (torch.nn's _ConvNd): channel counts, kernel size, and the weight and bias with
// PyTorch's default initialisation: weight ~ kaiming_uniform(a = sqrt(5)), which is U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)) with fan_in = weight.size(1) * kh * kw, and bias ~ the same uniform; the weight's numbers
// are drawn from gen first, then the bias's.
class ConvBase : public Module {
 public:
  // Draws new weights and bias as the constructor does.
  void reset_parameters(Generator& gen = default_generator());

  const int64_t in_channels, out_channels;
  const Int2 kernel_size;
  Tensor weight;  // Conv2d: (out, in / groups, kh, kw); ConvTranspose2d: (in, out / groups, kh, kw)
  Tensor bias;    // (out_channels,), undefined without bias

 protected:
  ConvBase(const char* name, int64_t in, int64_t out, Int2 kernel_size, int64_t groups, bool bias, bool transposed,
           Generator& gen);
  // An input (N, in_channels, H, W) or (in_channels, H, W) of the weights' dtype, else an error naming the layer.
  void check_input(const Tensor& x) const;
};

struct Conv2dOptions {
  Int2 stride = 1;
  Int2 padding = 0;
  Int2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

// y = conv2d(x, W, b) for x (N, in_channels, H, W) or (in_channels, H, W).
class Conv2d : public ConvBase {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Conv2dOptions options = {},
         Generator& gen = default_generator());

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const Conv2dOptions options;
};

struct ConvTranspose2dOptions {
  Int2 stride = 1;
  Int2 padding = 0;
  Int2 output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  Int2 dilation = 1;
};

// y = conv_transpose2d(x, W, b), the gradient of a convolution with respect to its input, for x
// (N, in_channels, H, W) or (in_channels, H, W). fan_in comes from the weight's dim 1 as in torch, so it
// is out_channels / groups * kh * kw.
class ConvTranspose2d : public ConvBase {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, ConvTranspose2dOptions options = {},
                  Generator& gen = default_generator());

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const ConvTranspose2dOptions options;
};

}  // namespace muse::nn
