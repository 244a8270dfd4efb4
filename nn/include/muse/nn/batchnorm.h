// BatchNorm1d, as torch.nn.BatchNorm1d (Ioffe & Szegedy, 2015), on (N, C) or (N, C, L) inputs: each
// channel is normalised by its batch mean and biased variance while training, which also updates the
// running statistics; evaluation uses the running statistics. See muse::batch_norm for the math.
#pragma once

#include <optional>

#include "muse/nn/module.h"

namespace muse::nn {

struct BatchNormOptions {
  double eps = 1e-5;  // added to the variance
  // Weight of the new batch in the running statistics; nullopt: a cumulative average over every batch
  // so far (weight 1 / num_batches_tracked).
  std::optional<double> momentum = 0.1;
  bool affine = true;               // learnable weight (init 1) and bias (init 0)
  bool track_running_stats = true;  // without: batch statistics in eval mode too, and no buffers
};

class BatchNorm1d : public Module {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_running_stats();  // mean 0, var 1, no batches
  void reset_parameters();     // also weight 1, bias 0

  const int64_t num_features;
  const BatchNormOptions options;
  Tensor weight, bias;                                      // (C,), when affine
  Tensor running_mean, running_var, num_batches_tracked;   // (C,), (C,), int64 (); when tracking
};

}  // namespace muse::nn
