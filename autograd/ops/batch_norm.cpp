// batch_norm (Ioffe & Szegedy, 2015), as torch.nn.functional.batch_norm. Each channel c (dim 1) of
// x (N, C, ...) is normalised over its n = numel / C values:
//   training:  mu, var = the batch's mean and biased variance,  xhat = (x - mu) / sqrt(var + eps)
//              y = xhat * w + b
//   backward, per channel, with the sums over the channel's n values (the closed form):
//              dx = w invstd / n * (n dy - sum(dy) - xhat sum(dy xhat)),  invstd = 1 / sqrt(var + eps)
//              dw = sum(dy xhat),  db = sum(dy)
//   running statistics: r = (1 - momentum) r + momentum s, with the unbiased variance var n / (n - 1)
//   eval:      the same normalisation with the running statistics; it is an affine map of x, composed
//              from elementwise ops, so it differentiates itself.
#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse {
namespace {

// A per-channel vector (C,) may be undefined; if given it matches x's channels, dtype and device.
void check_channel_vector(const char* what, const Tensor& v, const Tensor& x) {
  if (!v.defined()) return;
  check(v.dim() == 1 && v.size(0) == x.size(1), "batch_norm: ", what, " must have shape (", x.size(1),
        ",) for input ", x.shape(), ", got ", v.shape());
  check(v.dtype() == x.dtype(), "batch_norm: ", what, " is ", v.dtype(), " but input is ", x.dtype());
  check_same_device("batch_norm", x, v);
}

void check_batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                      const Tensor& weight, const Tensor& bias, bool training) {
  check_defined("batch_norm", x);
  check(x.dim() >= 2, "batch_norm: input must be (N, C, ...), got shape ", x.shape());
  check_floating("batch_norm", x);
  check_channel_vector("running_mean", running_mean, x);
  check_channel_vector("running_var", running_var, x);
  check_channel_vector("weight", weight, x);
  check_channel_vector("bias", bias, x);
  check(training || (running_mean.defined() && running_var.defined()),
        "batch_norm: running_mean and running_var are needed when not training");
  check(!training || x.numel() / std::max<int64_t>(x.size(1), 1) > 1,
        "batch_norm: expected more than 1 value per channel when training, got input size ", x.shape());
}

// v (C,) viewed as (1, C, 1, ...) so that it broadcasts against x.
Tensor per_channel(const Tensor& v, const Tensor& x) {
  Shape s;
  for (int64_t d = 0; d < x.dim(); ++d) s.push_back(d == 1 ? x.size(1) : 1);
  return v.reshape(s);
}

// r = (1 - momentum) r + momentum s, in place.
void update_running(const Tensor& running, const Tensor& s, double momentum) {
  if (!running.defined()) return;
  NoGradGuard no_grad;
  Tensor r = running;
  r.mul_(1 - momentum).add_(s.reshape({r.numel()}), momentum);
}

Tensor batch_norm_eval(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, double eps) {
  // y = x * scale + shift with scale = w / sqrt(rv + eps), shift = b - rm * scale (all (C,)).
  Tensor scale = rsqrt(running_var + eps);
  if (weight.defined()) scale = scale * weight;
  Tensor shift = -running_mean * scale;
  if (bias.defined()) shift = shift + bias;
  return x * per_channel(scale, x) + per_channel(shift, x);
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_batch_norm(x, running_mean, running_var, weight, bias, training);
  if (!training) return batch_norm_eval(x, running_mean, running_var, weight, bias, eps);

  Dims dims;  // every dim but the channels
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != 1) dims.push_back(d);
  double n = static_cast<double>(x.numel() / x.size(1));
  Tensor xd = save(x), w = save(weight);
  Tensor mu = mean(xd, dims, true);                  // (1, C, 1, ...)
  Tensor batch_var = var(xd, dims, false, true);     // (1, C, 1, ...), biased
  Tensor invstd = rsqrt(batch_var + eps);
  Tensor xhat = (xd - mu) * invstd;                  // x's shape
  Tensor y = w.defined() ? xhat * per_channel(w, x) : xhat;
  if (bias.defined()) y = y + per_channel(save(bias), x);
  update_running(running_mean, mu, momentum);
  update_running(running_var, batch_var * (n / (n - 1)), momentum);

  // xhat is saved detached: without affine parameters it is the output itself.
  auto backward = [xhat = save(xhat), invstd, w, dims, n, channels = x.size(1),
                   need_x = x.requires_grad()](const Tensor& dy) {
    Tensor sum_dy = sum(dy, dims, true), sum_dy_xhat = sum(dy * xhat, dims, true);  // (1, C, 1, ...)
    Tensor dx;
    if (need_x) {
      Tensor k = w.defined() ? invstd * per_channel(w, xhat) : invstd;
      dx = k * (dy - sum_dy / n - xhat * (sum_dy_xhat / n));
    }
    return Gradients{dx, sum_dy_xhat.reshape({channels}), sum_dy.reshape({channels})};
  };
  return record("batch_norm", y, {x, weight, bias}, backward);
}

}  // namespace muse
