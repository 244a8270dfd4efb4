// BatchNorm1d and BatchNorm2d, as torch.nn's (Ioffe & Szegedy, 2015): each channel (dim 1) is normalised
// by its batch mean and biased variance while training, which also updates the running statistics;
// evaluation uses the running statistics. See muse::batch_norm for the math. BatchNorm1d takes (N, C) or
// (N, C, L) inputs, BatchNorm2d (N, C, H, W); everything else they share (PyTorch's _BatchNorm).
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

// The shared layer; the subclasses only say which input dims they accept.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_running_stats();  // mean 0, var 1, no batches
  void reset_parameters();     // also weight 1, bias 0

  const int64_t num_features;
  const BatchNormOptions options;
  Tensor weight, bias;                                      // (C,), when affine
  Tensor running_mean, running_var, num_batches_tracked;   // (C,), (C,), int64 (); when tracking

 protected:
  BatchNorm(std::string name, int64_t num_features, BatchNormOptions options);
  // Throws, naming the layer and the shape, unless x has a number of dims this layer accepts.
  virtual void check_input_dim(const Tensor& x) const = 0;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});

 protected:
  void check_input_dim(const Tensor& x) const override;
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {});

 protected:
  void check_input_dim(const Tensor& x) const override;
};

}  // namespace muse::nn
