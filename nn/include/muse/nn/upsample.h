// Upsample, as torch.nn.Upsample on (N, C, H, W) inputs: to a given size, or by a scale factor (output
// floor(H * scale_factor)), with nearest or bilinear interpolation (muse/ops.h has the index formulas).
#pragma once

#include <optional>

#include "muse/nn/module.h"
#include "muse/ops.h"

namespace muse::nn {

enum class UpsampleMode { Nearest, Bilinear };

// Exactly one of size and scale_factor; align_corners only with Bilinear.
struct UpsampleOptions {
  std::optional<Int2> size = {};
  std::optional<double> scale_factor = {};
  UpsampleMode mode = UpsampleMode::Nearest;
  bool align_corners = false;
};

class Upsample : public Module {
 public:
  explicit Upsample(UpsampleOptions options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const UpsampleOptions options;
};

}  // namespace muse::nn
