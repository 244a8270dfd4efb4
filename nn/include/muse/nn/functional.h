// torch.nn.functional: the layers' computations as functions, and the losses.
// Activations, linear and batch_norm are the autograd ops of muse/ops.h under their PyTorch names;
// dropout and the losses are composed from autograd ops, so each one differentiates itself.
// Loss shapes: input and target match elementwise, except nll_loss and cross_entropy, which take (N, C)
// scores and an int64 (N,) class index per row.
// Reference: https://pytorch.org/docs/stable/nn.functional.html
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "muse/tensor.h"

namespace muse::nn::functional {

// ---- activations and layers ----
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor gelu(const Tensor& x, std::string_view approximate = "none");  // "none" (erf) or "tanh"
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// Inverted dropout: while training, each element is zeroed with probability p and the others are
// scaled by 1 / (1 - p), with masks drawn from gen; otherwise (or when p = 0) x itself.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, Generator& gen = default_generator());
// Channel dropout (torch.nn.functional.dropout2d) of x (N, C, H, W), or (N, C, L) as PyTorch 1.13 reads a
// 3-D input: while training each channel (n, c) is zeroed whole with probability p (one (N, C, 1, 1)
// Bernoulli mask) and the others are scaled by 1 / (1 - p); otherwise (or when p = 0) x itself.
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true, Generator& gen = default_generator());
// y = x W^T + b: x (..., in), weight (out, in), bias (out,) or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});
// Per-channel normalisation of x (N, C, ...); see muse::batch_norm in muse/ops.h.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight = {},
                  const Tensor& bias = {}, bool training = false, double momentum = 0.1, double eps = 1e-5);

// ---- losses ----
// reduction='none' | 'mean' | 'sum': keep the per-element losses, average them, or add them up.
enum class Reduction { None, Mean, Sum };

// l_i = (x_i - y_i)^2
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// l_i = |x_i - y_i|
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);

// Binary cross-entropy on probabilities p in [0, 1], each log clamped at -100 as PyTorch does:
//   l_i = -(t_i log p_i + (1 - t_i) log(1 - p_i))
Tensor binary_cross_entropy(const Tensor& probabilities, const Tensor& target,
                            Reduction reduction = Reduction::Mean);
// Binary cross-entropy on logits x, l_i = -(p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), in the
// stable form (1 - t) x + (1 + (p - 1) t) softplus(-x); pos_weight p (default 1) broadcasts against t,
// e.g. one weight per class of the last dim. Finite for any finite x.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction = Reduction::Mean,
                                        std::optional<Tensor> pos_weight = {});

// Negative log-likelihood of log-probabilities (N, C) at int64 classes (N,): l_n = -log_probs[n, target[n]].
// Rows whose target is ignore_index contribute 0, and the mean divides by the number of other rows.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction = Reduction::Mean,
                int64_t ignore_index = -100);
// nll_loss(log_softmax(logits, 1), target). With label smoothing eps the target is the mixture
// (1 - eps) one_hot + eps / C:  l_n = (1 - eps) nll_n + eps * mean_c(-log_softmax(logits)[n, c]).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::Mean,
                     int64_t ignore_index = -100, double label_smoothing = 0);

// KL(N(mu, exp(logvar)) || N(0, I)) per element: -0.5 (1 + logvar - mu^2 - exp(logvar)); summed by
// default, as in the VAE paper (Kingma & Welling, 2013, appendix B) and PyTorch's VAE example.
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar, Reduction reduction = Reduction::Sum);

}  // namespace muse::nn::functional
