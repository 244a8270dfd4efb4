#include "muse/nn/batchnorm.h"

#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse::nn {

BatchNorm::BatchNorm(std::string name, int64_t c, BatchNormOptions opts)
    : Module(name), num_features(c), options(opts) {
  check(c > 0, name, ": num_features must be positive, got ", c);
  check(opts.eps >= 0, name, ": eps must be non-negative, got ", opts.eps);
  if (options.affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, {.dtype = kInt64}));
  }
}

void BatchNorm::reset_running_stats() {
  if (!options.track_running_stats) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  if (!options.affine) return;
  NoGradGuard no_grad;
  weight.fill_(1);
  bias.zero_();
}

// As PyTorch's _BatchNorm.forward: training counts the batch and mixes its statistics in with weight
// momentum (or 1 / batches for the cumulative average); eval uses the running statistics when there are any.
Tensor BatchNorm::forward(const Tensor& x) {
  check(x.defined(), label(), ": got an undefined input");
  check_input_dim(x);
  check(x.size(1) == num_features, label(), ": expected input with ", num_features, " channels (dim 1), got ",
        format_sizes(x.shape()));
  bool tracking = options.track_running_stats;
  DType own = tracking ? running_mean.dtype() : options.affine ? weight.dtype() : x.dtype();
  check(x.dtype() == own, label(), ": input is ", x.dtype(), " but the module is ", own,
        " (convert the input, or the module with to(", x.dtype(), "))");
  bool use_batch_stats = is_training() || !tracking;
  check(!use_batch_stats || x.numel() / num_features > 1, label(),
        ": Expected more than 1 value per channel when training, got input size ", format_sizes(x.shape()));
  double factor = options.momentum.value_or(0);
  if (is_training() && tracking) {
    NoGradGuard no_grad;
    num_batches_tracked.fill_(num_batches_tracked.item() + 1);
    if (!options.momentum) factor = 1 / num_batches_tracked.item();
  }
  // Without tracking there are no running statistics: nothing is updated, and eval uses the batch's.
  return batch_norm(x, running_mean, running_var, weight, bias, use_batch_stats, factor, options.eps);
}

std::string BatchNorm::extra_repr() const {
  std::string momentum = options.momentum ? format_float(*options.momentum) : "None";
  return str(num_features, ", eps=", format_float(options.eps), ", momentum=", momentum,
             ", affine=", format_bool(options.affine), ", track_running_stats=", format_bool(options.track_running_stats));
}

BatchNorm1d::BatchNorm1d(int64_t c, BatchNormOptions opts) : BatchNorm("BatchNorm1d", c, opts) {}

void BatchNorm1d::check_input_dim(const Tensor& x) const {
  check(x.dim() == 2 || x.dim() == 3, label(), ": expected 2D or 3D input (got ", x.dim(), "D input of shape ",
        format_sizes(x.shape()), ")");
}

BatchNorm2d::BatchNorm2d(int64_t c, BatchNormOptions opts) : BatchNorm("BatchNorm2d", c, opts) {}

void BatchNorm2d::check_input_dim(const Tensor& x) const {
  check(x.dim() == 4, label(), ": expected 4D input (got ", x.dim(), "D input of shape ", format_sizes(x.shape()),
        ")");
}

}  // namespace muse::nn
