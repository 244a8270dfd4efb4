// MultiheadAttention, as torch.nn.MultiheadAttention (PyTorch 1.13's names, semantics and init; Vaswani
// et al. 2017, "Attention Is All You Need", section 3.2):
//   q = query W_q^T + b_q,  k = key W_k^T + b_k,  v = value W_v^T + b_v   ([W_q; W_k; W_v] = in_proj_weight)
//   head h: o_h = softmax(q_h k_h^T / sqrt(E / num_heads) + M) v_h         (dropout on the weights while training)
//   output = concat_h(o_h) W_o^T + b_o                                       (out_proj)
// Shapes (batch_first = false, PyTorch's default): query (L, N, E), key and value (S, N, E), output
// (L, N, E); batch_first: (N, L, E), (N, S, E), (N, L, E). Unbatched query (L, E), key and value (S, E)
// give (L, E). The mask M (0 where allowed, -inf where not, or any float added to the scores) comes from:
//   key_padding_mask (N, S): bool, true = IGNORE that key (padding); or float, added.
//   attn_mask (L, S) or (N * num_heads, L, S): bool, true = NOT allowed; or float, added. NOTE: this is
//     the opposite of muse::scaled_dot_product_attention's bool mask (true = may attend), as in PyTorch.
//   is_causal: query l attends to keys s <= l (combined with the masks above; PyTorch 2 treats the flag
//     as a hint that attn_mask is already causal, which gives the same result).
// A query that may attend to no key gets output out_proj.bias (zero weights), where PyTorch gives NaN.
// need_weights: also returns the attention weights (N, L, S), averaged over heads (average_attn_weights)
// or per head (N, num_heads, L, S), through the composite matmul-softmax path (with dropout, the weights
// returned are the dropped ones, as in PyTorch 1.13); otherwise the fused muse::scaled_dot_product_attention.
// Reference: https://pytorch.org/docs/1.13/generated/torch.nn.MultiheadAttention.html
#pragma once

#include <memory>

#include "muse/nn/linear.h"
#include "muse/nn/module.h"

namespace muse::nn {

struct MultiheadAttentionOptions {
  double dropout = 0;        // on the attention weights, while training
  bool bias = true;          // in_proj_bias and out_proj.bias
  bool batch_first = false;  // (N, L, E) instead of (L, N, E)
};

struct MultiheadAttentionOutput {
  Tensor output;   // (L, N, E), or (N, L, E) with batch_first
  Tensor weights;  // (N, L, S) or (N, num_heads, L, S); undefined unless need_weights
};

// Parameters "in_proj_weight" (3E, E) ~ xavier_uniform, "in_proj_bias" (3E) = 0, "out_proj" =
// Linear(E, E) with PyTorch's Linear init and its bias then set to 0. Draws from gen in PyTorch's order:
// out_proj's weight and bias, then in_proj_weight. Dropout draws from gen too (it must outlive the module).
// kdim / vdim != embed_dim, add_bias_kv and add_zero_attn are not supported.
class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, MultiheadAttentionOptions options = {},
                     Generator& gen = default_generator());

  MultiheadAttentionOutput forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                   const Tensor& key_padding_mask = {}, bool need_weights = true,
                                   const Tensor& attn_mask = {}, bool average_attn_weights = true,
                                   bool is_causal = false);
  void reset_parameters(Generator& gen = default_generator());

  const int64_t embed_dim, num_heads, head_dim;
  const MultiheadAttentionOptions options;
  Tensor in_proj_weight;  // (3E, E): rows [0, E) project the query, [E, 2E) the key, [2E, 3E) the value
  Tensor in_proj_bias;    // (3E), undefined without bias
  std::shared_ptr<Linear> out_proj;

 private:
  // "MultiheadAttention(embed_dim=E, num_heads=H)" for error messages (PyTorch prints no extra_repr).
  std::string where() const;

  Generator* gen_;
};

}  // namespace muse::nn
