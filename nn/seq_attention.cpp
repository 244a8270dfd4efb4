#include "muse/nn/seq_attention.h"

#include <limits>
#include <optional>

#include "muse/ops.h"

namespace muse::nn {
namespace {

// Checks query (B, Hq) or (B, T, Hq), keys (B, S, Hk) and key_padding_mask (B, S); returns the query as
// (B, T, Hq). Query and keys share the weights' dtype, or without weights the query's.
Tensor checked_query(const std::string& label, const Tensor& query, const Tensor& keys, const Tensor& mask,
                     int64_t Hq, int64_t Hk, std::optional<DType> weights) {
  check(query.defined() && keys.defined(), label, ": got an undefined query or keys");
  check((query.dim() == 2 || query.dim() == 3) && query.size(-1) == Hq, label, ": expected query (B, ", Hq,
        ") or (B, T, ", Hq, "), got ", query.shape());
  check(keys.dim() == 3 && keys.size(0) == query.size(0) && keys.size(2) == Hk, label, ": expected keys (B, S, ",
        Hk, ") with B = ", query.size(0), " as the query ", query.shape(), ", got ", keys.shape());
  DType dtype = weights.value_or(query.dtype());
  check(query.dtype() == dtype && keys.dtype() == dtype, label, ": query and keys must be ", dtype,
        weights ? " as the module's weights" : " alike", ", got ", query.dtype(), " and ", keys.dtype());
  int64_t B = keys.size(0), S = keys.size(1);
  check(S > 0, label, ": keys ", keys.shape(), " have no source positions");
  if (mask.defined()) {
    check(mask.dtype() == kBool && mask.shape() == Shape{B, S}, label, ": key_padding_mask must be bool of shape (B, S) = ",
          Shape{B, S}, ", got ", mask.dtype(), " of shape ", mask.shape());
    // A sequence of only padding would give a softmax of only -inf, i.e. NaN weights: refuse it.
    std::vector<int64_t> padded = sum(mask, {1}).cpu().to_vector<int64_t>();
    for (int64_t b = 0; b < B; ++b)
      check(padded[b] < S, label, ": key_padding_mask marks every source position of sequence ", b,
            " as padding; each sequence needs at least one real position");
  }
  return query.dim() == 2 ? query.unsqueeze(1) : query;
}

// weights = softmax(scores with padding at -inf) over S; context = weights @ keys. scores (B, T, S).
AttentionOutput attend(Tensor scores, const Tensor& keys, const Tensor& mask, bool one_step) {
  if (mask.defined()) scores = masked_fill(scores, mask.unsqueeze(1), -std::numeric_limits<double>::infinity());
  Tensor weights = softmax(scores, -1);    // (B, T, S)
  Tensor context = matmul(weights, keys);  // (B, T, Hk)
  if (one_step) return {context.squeeze(1), weights.squeeze(1)};
  return {context, weights};
}

}  // namespace

LuongAttention::LuongAttention(int64_t hidden, LuongScore s, Generator& gen)
    : Module("LuongAttention"), hidden_size(hidden), score(s) {
  check(hidden > 0, "LuongAttention: hidden_size must be positive, got ", hidden);
  if (s == LuongScore::General) linear_in = register_module("linear_in", std::make_shared<Linear>(hidden, hidden, false, gen));
}

// dot: scores = q k^T;  general: scores = q (W k)^T = (q W) k^T with W (Hq, Hk).
AttentionOutput LuongAttention::forward(const Tensor& query, const Tensor& keys, const Tensor& mask) {
  std::optional<DType> weights;
  if (linear_in) weights = linear_in->weight.dtype();
  Tensor q = checked_query(label(), query, keys, mask, hidden_size, hidden_size, weights);  // (B, T, H)
  if (linear_in) q = matmul(q, linear_in->weight);
  return attend(matmul(q, keys.transpose(1, 2)), keys, mask, query.dim() == 2);
}

std::string LuongAttention::extra_repr() const {
  return str("hidden_size=", hidden_size, ", score=", score == LuongScore::Dot ? "dot" : "general");
}

BahdanauAttention::BahdanauAttention(int64_t q, int64_t k, int64_t a, Generator& gen)
    : Module("BahdanauAttention"), query_size(q), key_size(k), attention_size(a) {
  check(q > 0 && k > 0 && a > 0, "BahdanauAttention: query_size, key_size and attention_size must be positive, got ",
        q, ", ", k, " and ", a);
  query_proj = register_module("query_proj", std::make_shared<Linear>(q, a, false, gen));
  key_proj = register_module("key_proj", std::make_shared<Linear>(k, a, true, gen));
  v = register_module("v", std::make_shared<Linear>(a, 1, false, gen));
}

Tensor BahdanauAttention::project_keys(const Tensor& keys) { return key_proj->forward(keys); }

// scores[b, t, s] = v . tanh(W_q q[b, t] + W_k k[b, s] + b), through a (B, T, S, A) tensor.
AttentionOutput BahdanauAttention::forward(const Tensor& query, const Tensor& keys, const Tensor& mask,
                                           const Tensor& projected_keys) {
  Tensor q = checked_query(label(), query, keys, mask, query_size, key_size, v->weight.dtype());  // (B, T, Hq)
  Tensor k = projected_keys.defined() ? projected_keys : project_keys(keys);                     // (B, S, A)
  const Shape want{keys.size(0), keys.size(1), attention_size};
  check(k.shape() == want, label(), ": projected_keys must be (B, S, attention_size) = ", want, ", got ", k.shape());
  Tensor e = tanh(query_proj->forward(q).unsqueeze(2) + k.unsqueeze(1));  // (B, T, S, A)
  return attend(v->forward(e).squeeze(-1), keys, mask, query.dim() == 2);
}

std::string BahdanauAttention::extra_repr() const {
  return str("query_size=", query_size, ", key_size=", key_size, ", attention_size=", attention_size);
}

}  // namespace muse::nn
