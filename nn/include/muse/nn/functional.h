// Loss functions with PyTorch's names and semantics (torch.nn.functional), composed from autograd ops,
// so each one differentiates itself. Shapes: input and target match elementwise, except nll_loss and
// cross_entropy, which take (N, C) scores and an int64 (N,) class index per row.
// Reference: https://pytorch.org/docs/stable/nn.functional.html#loss-functions
#pragma once

#include <cstdint>
#include <optional>

#include "muse/tensor.h"

namespace muse::nn::functional {

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
