// Drawing the next token from a language model's logits: temperature, top-k and nucleus (top-p)
// truncation, then one draw from the renormalised distribution. Shared by the text generators.
//   p_i = exp(l_i / T) / sum_j exp(l_j / T) over the kept tokens
// top_k keeps the k largest logits; top_p keeps the smallest set of most likely tokens whose probability
// reaches p (Holtzman et al. 2020). T -> 0 approaches the argmax (greedy decoding).
#pragma once

#include <cstdint>

#include "muse/tensor.h"

namespace muse::models {

struct SamplingOptions {
  double temperature = 1.0;  // > 0
  int64_t top_k = 0;         // 0: every token
  double top_p = 1.0;        // in (0, 1]; 1: no nucleus truncation
};

// One token id drawn from logits (V,) (any float dtype, any device). Bad options are a muse::Error.
int64_t sample_token(const Tensor& logits, const SamplingOptions& options, Generator& gen = default_generator());

}  // namespace muse::models
