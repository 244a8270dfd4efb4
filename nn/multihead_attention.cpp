#include "muse/nn/multihead_attention.h"

#include <cmath>

#include "muse/grad_mode.h"
#include "muse/nn/functional.h"
#include "muse/nn/init.h"
#include "muse/ops.h"

namespace muse::nn {
namespace {

// The mask of the (N, H, L, S) scores in muse::scaled_dot_product_attention's convention: bool (true =
// may attend) or float (added), broadcastable; undefined when there is none. causal alone stays a flag,
// so that the fused attention never materialises an (L, S) mask for it.
struct ScoreMask {
  Tensor mask;
  bool causal = false;
};

// Bool (L, S), true where key s <= query l (top-left aligned).
Tensor causal_allowed(int64_t L, int64_t S, Device device) {
  return arange(L, {.device = device}).unsqueeze(1) >= arange(S, {.device = device}).unsqueeze(0);
}

// -inf where blocked (bool), else the float mask itself, in dtype.
Tensor additive(const Tensor& mask, bool blocked_when_true, DType dtype) {
  if (mask.dtype() != kBool) return mask.to(dtype);
  Tensor blocked = blocked_when_true ? mask : logical_not(mask);
  return zeros(mask.shape(), {.dtype = dtype, .device = mask.device()}).masked_fill(blocked, -INFINITY);
}

// Merges PyTorch's masks, already viewed as attn (1 or N, 1 or H, L, S) and padding (N, 1, 1, S), both
// "true = blocked" when bool, with the causal flag.
ScoreMask merge_masks(const Tensor& attn, const Tensor& padding, bool causal, int64_t L, int64_t S, DType dtype) {
  if (!attn.defined() && !padding.defined()) return {Tensor(), causal};
  Tensor allowed_causal;  // (L, S)
  if (causal) allowed_causal = causal_allowed(L, S, attn.defined() ? attn.device() : padding.device());
  bool all_bool = (!attn.defined() || attn.dtype() == kBool) && (!padding.defined() || padding.dtype() == kBool);
  if (all_bool) {
    Tensor allowed = allowed_causal;
    for (const Tensor* m : {&attn, &padding}) {
      if (!m->defined()) continue;
      allowed = allowed.defined() ? logical_and(allowed, logical_not(*m)) : logical_not(*m);
    }
    return {allowed, false};
  }
  Tensor added = allowed_causal.defined() ? additive(allowed_causal, false, dtype) : Tensor();
  for (const Tensor* m : {&attn, &padding}) {
    if (!m->defined()) continue;
    Tensor a = additive(*m, true, dtype);
    added = added.defined() ? added + a : a;
  }
  return {added, false};
}

// The composite attention that also returns the weights P (N, H, L, S), as PyTorch 1.13 computes them:
// P = softmax((q * scale) k^T + M), dropout on P, out = P v. A row with no allowed key (all scores -inf)
// gets P = 0 and passes no gradient back (its scores are zeroed before the softmax, so no NaN appears).
MultiheadAttentionOutput attention_with_weights(const Tensor& q, const Tensor& k, const Tensor& v,
                                                const ScoreMask& m, double dropout_p, Generator& gen) {
  Tensor scores = matmul(q * (1 / std::sqrt(static_cast<double>(q.size(-1)))), k.transpose(-2, -1));
  Tensor allowed = m.causal ? causal_allowed(q.size(-2), k.size(-2), q.device()) : m.mask;
  if (allowed.defined() && allowed.dtype() == kBool) scores = scores.masked_fill(logical_not(allowed), -INFINITY);
  else if (m.mask.defined()) scores = scores + m.mask;
  Tensor dead;  // (N, H, L, 1): rows with no allowed key
  if (m.mask.defined() || m.causal) {
    dead = amax(scores.detach(), {-1}, true) == -INFINITY;
    scores = scores.masked_fill(dead, 0.0);
  }
  Tensor p = softmax(scores, -1);
  if (dead.defined()) p = p.masked_fill(dead, 0.0);
  if (dropout_p > 0) p = functional::dropout(p, dropout_p, true, gen);
  return {matmul(p, v), p};
}

// The attention's sizes: batch N, heads H, queries L, keys S; batched is false for a 2-D query.
struct Sizes {
  int64_t N, H, L, S;
  bool batched;
};

// Checks PyTorch's key_padding_mask (N, S) and attn_mask (L, S) or (N * H, L, S) (unbatched: (S) and
// (L, S) or (H, L, S)) and merges them with is_causal.
ScoreMask score_mask(const std::string& where, const Sizes& z, const Tensor& key_padding_mask, const Tensor& attn_mask,
                     bool is_causal, DType dtype) {
  const auto [N, H, L, S, batched] = z;
  for (const Tensor* m : {&key_padding_mask, &attn_mask})
    if (m->defined())
      check(m->dtype() == kBool || m->is_floating_point(), where, ": masks must be bool or floating, got ", m->dtype());
  Tensor padding, attn;  // views (N, 1, 1, S) and (1 or N, 1 or H, L, S); bool true = blocked, or float added
  if (key_padding_mask.defined()) {
    Shape want = batched ? Shape{N, S} : Shape{S};
    check(key_padding_mask.shape() == want, where, ": key_padding_mask must be (N, S) = ", want, ", got ",
          key_padding_mask.shape());
    padding = key_padding_mask.reshape({N, 1, 1, S});
  }
  if (attn_mask.defined()) {
    Shape per_head = batched ? Shape{N * H, L, S} : Shape{H, L, S};
    check(attn_mask.shape() == Shape{L, S} || attn_mask.shape() == per_head, where, ": attn_mask must be (L, S) = ",
          Shape{L, S}, " or (N * num_heads, L, S) = ", per_head, ", got ", attn_mask.shape());
    attn = attn_mask.dim() == 2 ? attn_mask.reshape({1, 1, L, S}) : attn_mask.reshape({N, H, L, S});
  }
  return merge_masks(attn, padding, is_causal, L, S, dtype);
}

}  // namespace

MultiheadAttention::MultiheadAttention(int64_t E, int64_t H, MultiheadAttentionOptions opts, Generator& gen)
    : Module("MultiheadAttention"), embed_dim(E), num_heads(H), head_dim(H > 0 ? E / H : 0), options(opts), gen_(&gen) {
  check(E > 0 && H > 0, "MultiheadAttention: embed_dim and num_heads must be positive, got ", E, " and ", H);
  check(E % H == 0, "MultiheadAttention: embed_dim ", E, " must be divisible by num_heads ", H);
  check(opts.dropout >= 0 && opts.dropout < 1, "MultiheadAttention: dropout must be in [0, 1), got ", opts.dropout);
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * E, E}));
  if (opts.bias) in_proj_bias = register_parameter("in_proj_bias", empty({3 * E}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(E, E, opts.bias, gen));
  NoGradGuard no_grad;
  init::xavier_uniform_(in_proj_weight, 1, gen);
  if (in_proj_bias.defined()) in_proj_bias.zero_();
  if (out_proj->bias.defined()) out_proj->bias.zero_();
}

void MultiheadAttention::reset_parameters(Generator& gen) {
  out_proj->reset_parameters(gen);
  NoGradGuard no_grad;
  init::xavier_uniform_(in_proj_weight, 1, gen);
  if (in_proj_bias.defined()) in_proj_bias.zero_();
  if (out_proj->bias.defined()) out_proj->bias.zero_();
}

std::string MultiheadAttention::where() const {
  return str("MultiheadAttention(embed_dim=", embed_dim, ", num_heads=", num_heads, ")");
}

MultiheadAttentionOutput MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                     const Tensor& key_padding_mask, bool need_weights,
                                                     const Tensor& attn_mask, bool average_attn_weights, bool is_causal) {
  const int64_t E = embed_dim, H = num_heads;
  check(query.defined() && key.defined() && value.defined(), where(), ": got an undefined query, key or value");
  const bool batched = query.dim() == 3;
  check((query.dim() == 2 || batched) && key.dim() == query.dim() && value.dim() == query.dim(), where(),
        ": expected query, key and value all 3-D (batched) or all 2-D (unbatched), got ", query.shape(), ", ",
        key.shape(), " and ", value.shape());
  // Everything below is batch first: (N, L, E), (N, S, E).
  auto batch_first = [&](const Tensor& x) {
    return !batched ? x.unsqueeze(0) : options.batch_first ? x : x.transpose(0, 1);
  };
  Tensor xq = batch_first(query), xk = batch_first(key), xv = batch_first(value);
  const int64_t N = xq.size(0), L = xq.size(1), S = xk.size(1);
  check(xq.size(2) == E && xk.size(2) == E && xv.size(2) == E, where(), ": query, key and value must end in embed_dim ",
        E, ", got ", query.shape(), ", ", key.shape(), " and ", value.shape());
  check(xk.size(0) == N && xv.size(0) == N && xv.size(1) == S, where(), ": query ", query.shape(), ", key ", key.shape(),
        " and value ", value.shape(), " disagree on the batch size or the key and value lengths",
        batched && !options.batch_first ? " (batch_first=false: (L, N, E))" : "");
  for (const Tensor* x : {&query, &key, &value})
    check(x->dtype() == in_proj_weight.dtype(), where(), ": inputs are ", x->dtype(), " but the weights are ",
          in_proj_weight.dtype());

  ScoreMask mask =
      score_mask(where(), {N, H, L, S, batched}, key_padding_mask, attn_mask, is_causal, in_proj_weight.dtype());

  // In-projection: one matmul when query, key and value are the same tensor (self-attention), two when
  // key is value (cross-attention over a memory), else three.
  auto project = [&](const Tensor& x, int64_t first, int64_t count) {
    Tensor w = in_proj_weight.narrow(0, first * E, count * E);
    Tensor b = in_proj_bias.defined() ? in_proj_bias.narrow(0, first * E, count * E) : Tensor();
    return chunk(linear(x, w, b), count, -1);
  };
  std::vector<Tensor> qkv;
  if (query.impl() == key.impl() && key.impl() == value.impl()) qkv = project(xq, 0, 3);
  else if (key.impl() == value.impl()) {
    std::vector<Tensor> kv = project(xk, 1, 2);
    qkv = {project(xq, 0, 1)[0], kv[0], kv[1]};
  } else qkv = {project(xq, 0, 1)[0], project(xk, 1, 1)[0], project(xv, 2, 1)[0]};
  auto heads = [&](const Tensor& x) { return x.reshape({N, x.size(1), H, head_dim}).transpose(1, 2); };  // (N, H, T, hd)
  Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);

  double dropout_p = is_training() ? options.dropout : 0;
  MultiheadAttentionOutput out;
  if (need_weights) out = attention_with_weights(q, k, v, mask, dropout_p, *gen_);
  else out.output = scaled_dot_product_attention(q, k, v, mask.mask, dropout_p, mask.causal, {}, *gen_);
  Tensor y = out_proj->forward(out.output.transpose(1, 2).reshape({N, L, E}));  // (N, L, E)
  out.output = !batched ? y.squeeze(0) : options.batch_first ? y : y.transpose(0, 1);
  if (need_weights) {
    if (average_attn_weights) out.weights = mean(out.weights, {1});  // (N, L, S)
    if (!batched) out.weights = out.weights.squeeze(0);
  }
  return out;
}

}  // namespace muse::nn
