// The Inception Score of Salimans et al. 2016, "Improved Techniques for Training GANs", from a classifier's
// predicted class probabilities p(y|x) on N generated images, computed as their reference code does
// (openai/improved-gan, inception_score.py): the N rows are cut into `splits` consecutive parts
// [i N / splits, (i + 1) N / splits), and in each part
//   p(y) = mean_x p(y|x),   IS = exp(mean_x KL(p(y|x) || p(y))),   KL(p || q) = sum_k p_k log(p_k / q_k),
// with 0 log 0 = 0. The result is the mean and the population standard deviation (numpy.std) over parts.
// IS lies in [1, K]: 1 when every image gets the same prediction, K when each image is one class with
// certainty and the classes are equally frequent. See docs/metrics.md for its limits.
#pragma once

#include <cstdint>

#include "muse/tensor.h"

namespace muse::metrics {

struct InceptionScore {
  double mean = 0;
  double std = 0;
};

// probs: (N, K), float32 or float64, each row non-negative and summing to 1 within 1e-3 (softmax
// outputs); 1 <= splits <= N. Accumulates in float64. Throws muse::Error naming the bad row otherwise.
InceptionScore inception_score(const Tensor& probs, int64_t splits = 10);

}  // namespace muse::metrics
