// Scaled dot-product attention (Vaswani et al. 2017), semantics in muse/ops.h, as one fused kernel each
// way (tensor/cpu/attention.cpp, cuda/attention.cu; FlashAttention-2, Dao 2023). With x = scale q k^T + M:
//   P = softmax(x) over the keys     out = (P o Z) v     (Z: dropout's 0 or 1 / (1 - p))
//   dv = (P o Z)^T dout   dP = (dout v^T) o Z   dx = P o (dP - rowsum(dout o out))
//   dq = scale dx k       dk = scale dx^T q
// The forward keeps only out and each row's log-sum-exp (B, L); the backward recomputes P block by block
// from them and regenerates Z from the same Philox counters, so memory grows with L + S, not L * S. The
// batch dims (...) are flattened to one B; a mask is passed as a broadcast view, never copied.
#include <cmath>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"
#include "tensor/attention_math.h"

namespace muse {
namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

void check_qkv(const Tensor& q, const Tensor& k, const Tensor& v) {
  for (const Tensor* t : {&q, &k, &v}) check_defined(kOp, *t), check_floating(kOp, *t);
  check_same_dtype(kOp, q, k);
  check_same_dtype(kOp, q, v);
  check_same_device(kOp, q, k);
  check_same_device(kOp, q, v);
  check(q.dim() >= 2 && k.dim() == q.dim() && v.dim() == q.dim(), kOp,
        ": expected query (..., L, E), key (..., S, E) and value (..., S, Ev) with the same dims, got ", q.shape(),
        ", ", k.shape(), " and ", v.shape());
  check(k.size(-1) == q.size(-1) && v.size(-2) == k.size(-2), kOp, ": query ", q.shape(), ", key ", k.shape(),
        " and value ", v.shape(), " disagree on E or S");
  for (int64_t i = 0; i + 2 < q.dim(); ++i)
    check(k.size(i) == q.size(i) && v.size(i) == q.size(i), kOp, ": batch dims differ: query ", q.shape(), ", key ",
          k.shape(), ", value ", v.shape());
}

// The mask as a view of shape (..., L, S) over its own storage (stride 0 where it broadcasts).
Array mask_view(const Tensor& mask, const Tensor& q, const Shape& scores) {
  check_same_device(kOp, q, mask);
  check(mask.dtype() == kBool || mask.dtype() == q.dtype(), kOp, ": attn_mask must be bool or the query's dtype ",
        q.dtype(), ", got ", mask.dtype());
  bool fits = mask.dim() <= scores.size();
  for (int64_t i = 1; fits && i <= mask.dim(); ++i)
    fits = mask.size(-i) == 1 || mask.size(-i) == scores[scores.size() - i];
  check(fits, kOp, ": attn_mask of shape ", mask.shape(), " does not broadcast to the scores' shape (..., L, S) = ",
        scores);
  check(!(mask.requires_grad() && GradMode::is_enabled()), kOp,
        ": a float attn_mask that requires grad is not supported (the fused kernel gives the mask no gradient)");
  return array(mask).expand(scores);
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask,
                                    double dropout_p, bool is_causal, std::optional<double> scale, Generator& gen) {
  check_qkv(q, k, v);
  check(!(is_causal && attn_mask.defined()), kOp, ": give either attn_mask or is_causal, not both");
  check(dropout_p >= 0 && dropout_p < 1, kOp, ": dropout_p must be in [0, 1), got ", dropout_p);
  const int64_t L = q.size(-2), S = k.size(-2), E = q.size(-1), Ev = v.size(-1);
  Shape out_shape = q.shape(), scores = q.shape();  // (..., L, Ev) and (..., L, S)
  out_shape[out_shape.size() - 1] = Ev;
  scores[scores.size() - 1] = S;
  int64_t B = 1;  // the batch dims (...) flattened
  for (int64_t i = 0; i + 2 < q.dim(); ++i) B *= q.size(i);
  Array mask = attn_mask.defined() ? mask_view(attn_mask, q, scores) : Array();

  AttentionParams p{scale.value_or(1 / std::sqrt(static_cast<double>(E))), is_causal, dropout_p, gen.seed(), 0};
  if (dropout_p > 0) p.offset = gen.advance(attention_dropout_counters(static_cast<uint64_t>(B * L * S)));
  Array qa = contiguous_array(q).view({B, L, E}), ka = contiguous_array(k).view({B, S, E});
  Array va = contiguous_array(v).view({B, S, Ev});
  Array out = Array::empty({B, L, Ev}, q.dtype(), q.device()), lse = Array::empty({B, L}, q.dtype(), q.device());
  backend_of(q).attention_forward(qa, ka, va, mask, p, out, lse);

  // The closure keeps arrays (data, never the output Tensor): q, k, v, the mask view, out and lse.
  Shape q_shape = q.shape(), k_shape = k.shape(), v_shape = v.shape();
  return record(kOp, wrap(out.view(out_shape)), {q, k, v},
                [=](const Tensor& dy) -> Gradients {
                  Array dout = contiguous_array(dy).view(out.shape);
                  Array dq = Array::empty(qa.shape, qa.dtype, qa.device()), dk = Array::empty(ka.shape, ka.dtype, ka.device());
                  Array dv = Array::empty(va.shape, va.dtype, va.device());
                  backend(qa.device()).attention_backward(qa, ka, va, mask, p, out, lse, dout, dq, dk, dv);
                  return {wrap(dq.view(q_shape)), wrap(dk.view(k_shape)), wrap(dv.view(v_shape))};
                });
}

}  // namespace muse
