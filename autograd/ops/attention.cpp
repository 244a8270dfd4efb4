// Scaled dot-product attention (Vaswani et al. 2017), semantics in muse/ops.h. This first version is the
// composite matmul -> mask -> softmax -> dropout -> matmul, which holds the (..., L, S) scores; a fused
// block-by-block kernel pair with an online softmax replaces it.
#include <cmath>

#include "autograd/checks.h"
#include "muse/ops.h"

namespace muse {

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask,
                                    double dropout_p, bool is_causal, std::optional<double> scale, Generator& gen) {
  const char* op = "scaled_dot_product_attention";
  for (const Tensor* t : {&q, &k, &v}) check_defined(op, *t), check_floating(op, *t);
  check_same_dtype(op, q, k);
  check_same_dtype(op, q, v);
  check(q.dim() >= 2 && k.dim() == q.dim() && v.dim() == q.dim(), op, ": expected query (..., L, E), key (..., S, E) and value (..., S, Ev) with the same dims, got ",
        q.shape(), ", ", k.shape(), " and ", v.shape());
  const int64_t L = q.size(-2), S = k.size(-2), E = q.size(-1);
  check(k.size(-1) == E && v.size(-2) == S, op, ": query ", q.shape(), ", key ", k.shape(), " and value ", v.shape(),
        " disagree on E or S");
  for (int64_t i = 0; i + 2 < q.dim(); ++i)
    check(k.size(i) == q.size(i) && v.size(i) == q.size(i), op, ": batch dims differ: query ", q.shape(), ", key ",
          k.shape(), ", value ", v.shape());
  check(!(is_causal && attn_mask.defined()), op, ": give either attn_mask or is_causal, not both");
  check(dropout_p >= 0 && dropout_p < 1, op, ": dropout_p must be in [0, 1), got ", dropout_p);
  Tensor scores = matmul(q, k.transpose(-2, -1)) * scale.value_or(1 / std::sqrt(static_cast<double>(E)));
  Tensor allowed;  // bool (..., L, S) or broadcastable
  if (is_causal) allowed = arange(L, {.device = q.device()}).unsqueeze(1) >= arange(S, {.device = q.device()}).unsqueeze(0);
  if (attn_mask.defined() && attn_mask.dtype() == kBool) allowed = attn_mask;
  else if (attn_mask.defined()) scores = scores + attn_mask;
  if (allowed.defined()) scores = scores.masked_fill(logical_not(allowed), -INFINITY);
  Tensor p = softmax(scores, -1);
  if (allowed.defined() || attn_mask.defined()) p = where(p != p, 0.0, p);  // a row with no allowed key: 0, not NaN
  if (dropout_p > 0) p = p * bernoulli(p.shape(), 1 - dropout_p, {.dtype = p.dtype(), .device = p.device()}, gen) / (1 - dropout_p);
  return matmul(p, v);
}

}  // namespace muse
