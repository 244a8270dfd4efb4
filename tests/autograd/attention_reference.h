// The composite scaled_dot_product_attention that the fused kernels replaced, kept as their reference:
// matmul -> mask -> softmax -> dropout -> matmul, holding the (..., L, S) scores. Its dropout draws
// bernoulli(P.shape(), 1 - p) from gen, which uses the same Philox words as the fused kernels (see
// tensor/attention_math.h), so both drop the same elements from the same generator state.
#pragma once

#include <cmath>
#include <optional>

#include "muse/ops.h"

namespace muse::testing {

inline Tensor composite_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask = {},
                                  double dropout_p = 0, bool is_causal = false, std::optional<double> scale = {},
                                  Generator& gen = default_generator()) {
  const int64_t L = q.size(-2), S = k.size(-2), E = q.size(-1);
  Tensor scores = matmul(q, k.transpose(-2, -1)) * scale.value_or(1 / std::sqrt(static_cast<double>(E)));
  Tensor allowed;  // bool, broadcastable to (..., L, S)
  if (is_causal) allowed = arange(L, {.device = q.device()}).unsqueeze(1) >= arange(S, {.device = q.device()}).unsqueeze(0);
  if (attn_mask.defined() && attn_mask.dtype() == kBool) allowed = attn_mask;
  else if (attn_mask.defined()) scores = scores + attn_mask;
  if (allowed.defined()) scores = scores.masked_fill(logical_not(allowed), -INFINITY);
  Tensor p = softmax(scores, -1);
  if (allowed.defined() || attn_mask.defined()) p = where(p != p, 0.0, p);  // a row with no allowed key: 0
  if (dropout_p > 0)
    p = p * bernoulli(p.shape(), 1 - dropout_p, {.dtype = p.dtype(), .device = p.device()}, gen) / (1 - dropout_p);
  return matmul(p, v);
}

}  // namespace muse::testing
