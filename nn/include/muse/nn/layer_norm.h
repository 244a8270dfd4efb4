// LayerNorm, as torch.nn.LayerNorm (Ba, Kiros & Hinton, 2016): every sample's last dims (the
// normalized_shape) are normalised by their own mean and biased variance, then scaled and shifted by a
// learnable weight and bias of that shape. No running statistics: training and evaluation agree. The math
// is muse::layer_norm's (muse/ops.h).
#pragma once

#include <vector>

#include "muse/nn/module.h"

namespace muse::nn {

struct LayerNormOptions {
  double eps = 1e-5;               // added to the variance
  bool elementwise_affine = true;  // learnable weight (init 1) and bias (init 0)
  bool bias = true;                // with elementwise_affine: false keeps the weight only
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::vector<int64_t> normalized_shape, LayerNormOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();  // weight 1, bias 0

  const std::vector<int64_t> normalized_shape;
  const LayerNormOptions options;
  Tensor weight, bias;  // normalized_shape each, when present
};

}  // namespace muse::nn
