// Attention for encoder-decoder models: a decoder query scores every encoder output (the keys, which are
// also the values), the scores become weights by a softmax over the source positions, and the context is
// the weighted sum of the keys.
//   Luong et al. 2015 ("Effective Approaches to Attention-based NMT"):  score(q, k) = q . k  (dot)
//                                                                     or q . (W k)        (general)
//   Bahdanau et al. 2015 ("Neural MT by Jointly Learning to Align and Translate"):
//                                                          score(q, k) = v . tanh(W_q q + W_k k + b)
//   weights = softmax_s(score(q, k_s)) over the source positions s;  context = sum_s weights_s k_s
// Shapes: query (B, Hq) for one decoder step, or (B, T, Hq) for T steps at once; keys (B, S, Hk);
// key_padding_mask (B, S) bool, true where the source is padding (PyTorch's convention): those scores
// become -inf before the softmax, so their weight is 0. Every sequence needs at least one position that
// is not padding (a row of only -inf has no softmax: it would be NaN), else forward throws muse::Error.
// Output: context (B, Hk) or (B, T, Hk), weights (B, S) or (B, T, S), each row of weights summing to 1.
#pragma once

#include <memory>

#include "muse/nn/linear.h"
#include "muse/nn/module.h"

namespace muse::nn {

struct AttentionOutput {
  Tensor context;
  Tensor weights;
};

enum class LuongScore { Dot, General };

// Query and keys both have hidden_size features. General registers "linear_in" = Linear(Hk, Hq,
// bias=false), so score = q . linear_in(k); it is computed as (q W) . k, which costs less when T < S.
class LuongAttention : public Module {
 public:
  LuongAttention(int64_t hidden_size, LuongScore score = LuongScore::Dot, Generator& gen = default_generator());
  AttentionOutput forward(const Tensor& query, const Tensor& keys, const Tensor& key_padding_mask = {});
  std::string extra_repr() const override;

  const int64_t hidden_size;
  const LuongScore score;
  std::shared_ptr<Linear> linear_in;  // General only
};

// "query_proj" = Linear(Hq, A, bias=false), "key_proj" = Linear(Hk, A), "v" = Linear(A, 1, bias=false),
// initialised in that order from gen.
class BahdanauAttention : public Module {
 public:
  BahdanauAttention(int64_t query_size, int64_t key_size, int64_t attention_size,
                    Generator& gen = default_generator());
  // projected_keys: project_keys(keys), when the caller keeps it across decoder steps (the keys are the
  // same encoder outputs at every step); undefined: computed here.
  AttentionOutput forward(const Tensor& query, const Tensor& keys, const Tensor& key_padding_mask = {},
                          const Tensor& projected_keys = {});
  // W_k k + b for every key: (B, S, A) from keys (B, S, Hk).
  Tensor project_keys(const Tensor& keys);
  std::string extra_repr() const override;

  const int64_t query_size, key_size, attention_size;
  std::shared_ptr<Linear> query_proj, key_proj, v;
};

}  // namespace muse::nn
