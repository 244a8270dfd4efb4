// Pooling layers, as torch.nn.MaxPool2d, AvgPool2d and AdaptiveAvgPool2d, on (N, C, H, W) or (C, H, W)
// inputs; each applies the op of the same name (muse/ops.h has the window arithmetic).
#pragma once

#include <optional>

#include "muse/nn/module.h"
#include "muse/ops.h"

namespace muse::nn {

struct MaxPool2dOptions {
  std::optional<Int2> stride = {};  // default: the kernel size
  Int2 padding = 0;
  Int2 dilation = 1;
  bool ceil_mode = false;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Int2 kernel_size, MaxPool2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const Int2 kernel_size;
  const MaxPool2dOptions options;
};

struct AvgPool2dOptions {
  std::optional<Int2> stride = {};  // default: the kernel size
  Int2 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override = {};
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Int2 kernel_size, AvgPool2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const Int2 kernel_size;
  const AvgPool2dOptions options;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Int2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const Int2 output_size;
};

// Python's spelling of a pair as PyTorch prints a layer built from an int (2) or a tuple ((2, 3)):
// one number when both are equal.
std::string format_pair(Int2 v);

}  // namespace muse::nn
