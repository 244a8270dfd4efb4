// torch.nn.functional: activations and layers (thin names for autograd ops), dropout, and the losses
// composed from autograd ops; see muse/nn/functional.h for each formula.
#include "muse/nn/functional.h"

#include "muse/ops.h"

namespace muse::nn::functional {

namespace {

Tensor reduce(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return sum(loss);
    case Reduction::Mean: return mean(loss);
  }
  throw Error("loss: unknown reduction");
}

// Elementwise losses take a floating input and a target of the same shape and dtype.
void check_pair(const char* op, const char* a_name, const Tensor& a, const char* b_name, const Tensor& b) {
  check(a.defined() && b.defined(), op, ": ", a_name, " and ", b_name, " must be defined");
  check(a.shape() == b.shape(), op, ": ", a_name, " ", a.shape(), " and ", b_name, " ", b.shape(),
        " have different shapes");
  check(a.is_floating_point(), op, ": ", a_name, " must be float32 or float64, got ", a.dtype());
  check(a.dtype() == b.dtype(), op, ": ", a_name, " is ", a.dtype(), " but ", b_name, " is ", b.dtype());
}

// (N, C) scores and int64 (N,) classes, each in [0, C) or equal to ignore_index.
void check_classification(const char* op, const char* scores_name, const Tensor& scores, const Tensor& target,
                          int64_t ignore_index) {
  check(scores.defined() && target.defined(), op, ": ", scores_name, " and target must be defined");
  check(scores.dim() == 2, op, ": ", scores_name, " must be (N, C), got shape ", scores.shape());
  check(scores.is_floating_point(), op, ": ", scores_name, " must be float32 or float64, got ", scores.dtype());
  check(target.dtype() == kInt64, op, ": target must be int64 class indices, got ", target.dtype());
  check(target.dim() == 1 && target.size(0) == scores.size(0), op, ": ", scores_name, " ", scores.shape(),
        " needs target of shape (", scores.size(0), ",), got ", target.shape());
  int64_t C = scores.size(1);
  Tensor bad = (target != static_cast<double>(ignore_index)) & ((target < 0.0) | (target >= static_cast<double>(C)));
  if (sum(bad).item() > 0) {
    int64_t first = argmax(bad.to(kInt64)).item<int64_t>();
    throw Error(str(op, ": target ", target[first].item<int64_t>(), " at row ", first, " is out of range [0, ",
                    C, ") and not ignore_index ", ignore_index));
  }
}

// log(p) clamped at -100, with a zero (not NaN) gradient where p = 0: the inner where keeps log's
// backward away from 1/0.
Tensor clamped_log(const Tensor& p) {
  Tensor positive = p > 0.0;
  return where(positive, clamp(log(where(positive, p, 1.0)), -100.0), -100.0);
}

}  // namespace

Tensor relu(const Tensor& x) { return muse::relu(x); }
Tensor leaky_relu(const Tensor& x, double negative_slope) { return muse::leaky_relu(x, negative_slope); }
Tensor gelu(const Tensor& x, std::string_view approximate) { return muse::gelu(x, approximate); }
Tensor tanh(const Tensor& x) { return muse::tanh(x); }
Tensor sigmoid(const Tensor& x) { return muse::sigmoid(x); }
Tensor softmax(const Tensor& x, int64_t dim) { return muse::softmax(x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return muse::log_softmax(x, dim); }

// y = x * m with m_i = Bernoulli(1 - p) / (1 - p), so E[y] = x;  dy/dx = m.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  check(p >= 0 && p <= 1, "dropout: p must be a probability in [0, 1], got ", p);
  if (!training || p == 0) return x;
  check(x.defined() && x.is_floating_point(), "dropout: input must be float32 or float64, got ",
        x.defined() ? dtype_name(x.dtype()) : "an undefined tensor");
  if (p == 1) return x * 0.0;
  Tensor mask = bernoulli(x.shape(), 1 - p, {.dtype = x.dtype(), .device = x.device()}, gen);
  mask.mul_(1 / (1 - p));
  return x * mask;
}

Tensor dropout2d(const Tensor& x, double p, bool training, Generator& gen) {
  check(p >= 0 && p <= 1, "dropout2d: p must be a probability in [0, 1], got ", p);
  check(x.defined() && (x.dim() == 3 || x.dim() == 4), "dropout2d: expected a 3-D (N, C, L) or 4-D (N, C, H, W) "
        "input, got ", x.defined() ? str("shape ", x.shape()) : "an undefined tensor");
  if (!training || p == 0) return x;
  check(x.is_floating_point(), "dropout2d: input must be float32 or float64, got ", x.dtype());
  if (p == 1) return x * 0.0;
  Shape channels(std::vector<int64_t>(x.dim(), 1));
  channels[0] = x.size(0);
  channels[1] = x.size(1);
  Tensor mask = bernoulli(channels, 1 - p, {.dtype = x.dtype(), .device = x.device()}, gen);
  mask.mul_(1 / (1 - p));
  return x * mask;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) { return muse::linear(x, weight, bias); }

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  return muse::batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_pair("mse_loss", "input", input, "target", target);
  Tensor diff = input - target;
  return reduce(diff * diff, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_pair("l1_loss", "input", input, "target", target);
  return reduce(abs(input - target), reduction);
}

Tensor binary_cross_entropy(const Tensor& probabilities, const Tensor& target, Reduction reduction) {
  check_pair("binary_cross_entropy", "input", probabilities, "target", target);
  Tensor loss = -(target * clamped_log(probabilities) + (1.0 - target) * clamped_log(1.0 - probabilities));
  return reduce(loss, reduction);
}

// softplus(-x) = log(1 + exp(-x)) is written as m + log(exp(-m) + exp(-x - m)) with m = max(-x, 0), as
// PyTorch does: both exponents are <= 0, so nothing overflows, and the derivative with respect to m is
// exactly 0, so the gradient is sigmoid(x) - 1 at every x (also at x = 0, where max has a kink).
// This equals max(x, 0) - x t + log1p(exp(-|x|)) when p = 1.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, Reduction reduction,
                                        std::optional<Tensor> pos_weight) {
  check_pair("binary_cross_entropy_with_logits", "input", input, "target", target);
  Tensor m = muse::relu(-input);
  Tensor softplus_neg = m + log(exp(-m) + exp(-input - m));
  Tensor log_weight;  // 1 + (p - 1) t
  if (pos_weight) {
    check(pos_weight->defined() && pos_weight->dtype() == input.dtype(),
          "binary_cross_entropy_with_logits: pos_weight must have the input's dtype ", input.dtype());
    log_weight = 1.0 + (*pos_weight - 1.0) * target;
  }
  Tensor loss = (1.0 - target) * input + (pos_weight ? log_weight * softplus_neg : softplus_neg);
  if (pos_weight)
    check(loss.shape() == input.shape(), "binary_cross_entropy_with_logits: pos_weight ", pos_weight->shape(),
          " must broadcast to input ", input.shape());
  return reduce(loss, reduction);
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction, int64_t ignore_index) {
  check_classification("nll_loss", "log_probs", log_probs, target, ignore_index);
  Tensor keep = target != static_cast<double>(ignore_index);       // (N,) bool
  Tensor index = where(keep, target, 0.0).unsqueeze(1);             // (N, 1), ignored rows read class 0
  Tensor loss = masked_fill(-gather(log_probs, 1, index).squeeze(1), !keep, 0);  // (N,)
  if (reduction == Reduction::Mean) return sum(loss) / sum(keep.to(log_probs.dtype()));
  return reduce(loss, reduction);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction, int64_t ignore_index,
                     double label_smoothing) {
  check_classification("cross_entropy", "logits", logits, target, ignore_index);
  check(label_smoothing >= 0 && label_smoothing <= 1, "cross_entropy: label_smoothing must be in [0, 1], got ",
        label_smoothing);
  Tensor log_probs = muse::log_softmax(logits, 1);  // (N, C)
  if (label_smoothing == 0) return nll_loss(log_probs, target, reduction, ignore_index);
  Tensor keep = target != static_cast<double>(ignore_index);
  Tensor nll = nll_loss(log_probs, target, Reduction::None, ignore_index);                // (N,)
  Tensor smooth = masked_fill(-mean(log_probs, {1}), !keep, 0);                              // (N,)
  Tensor loss = (1 - label_smoothing) * nll + label_smoothing * smooth;
  if (reduction == Reduction::Mean) return sum(loss) / sum(keep.to(logits.dtype()));
  return reduce(loss, reduction);
}

Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar, Reduction reduction) {
  check_pair("gaussian_kl", "mu", mu, "logvar", logvar);
  return reduce(-0.5 * (1.0 + logvar - mu * mu - exp(logvar)), reduction);
}

}  // namespace muse::nn::functional
