// The Transformer's encoder and decoder layers and their stacks, as torch.nn.TransformerEncoderLayer,
// TransformerDecoderLayer, TransformerEncoder and TransformerDecoder (Vaswani et al. 2017, section 3.1),
// with PyTorch's names, options and state_dict keys. With sa = self-attention, ca = cross-attention over
// the encoder's memory, ff(x) = linear2(dropout(activation(linear1(x)))), and dropout1..3 after each:
//   post-norm (norm_first = false, the paper's):
//     x = norm1(x + sa(x));  [x = norm2(x + ca(x, memory));]  x = normN(x + ff(x))
//   pre-norm (norm_first = true):
//     x = x + sa(norm1(x));  [x = x + ca(norm2(x), memory);]  x = x + ff(normN(x))
// (the bracketed step is the decoder's; N = 2 for the encoder layer, 3 for the decoder layer). Masks
// follow MultiheadAttention's (PyTorch's) conventions: bool true = blocked, or float added.
// Reference: https://pytorch.org/docs/1.13/nn.html#transformer-layers
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "muse/nn/dropout.h"
#include "muse/nn/layer_norm.h"
#include "muse/nn/linear.h"
#include "muse/nn/multihead_attention.h"

namespace muse::nn {

struct TransformerLayerOptions {
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;            // in the attentions (on their weights), after each block and in ff
  std::string activation = "relu";  // or "gelu" (exact, erf)
  double layer_norm_eps = 1e-5;
  bool batch_first = false;  // (N, T, E) instead of (T, N, E)
  bool norm_first = false;   // pre-norm
  bool bias = true;          // in the attentions, linear1, linear2 and the LayerNorms (PyTorch 2.1's option)
};

// Submodules "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2",
// drawn from gen in that order (dropout draws from gen too).
class TransformerEncoderLayer : public Module {
 public:
  TransformerEncoderLayer(int64_t d_model, int64_t nhead, TransformerLayerOptions options = {},
                          Generator& gen = default_generator());
  // src (T, N, E), or (N, T, E) with batch_first, or unbatched (T, E); the same shape comes out.
  // src_mask (T, T) or (N * nhead, T, T); src_key_padding_mask (N, T); is_causal: see MultiheadAttention.
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = {},
                 bool is_causal = false);
  Tensor forward(const Tensor& src) override { return forward(src, Tensor()); }

  const TransformerLayerOptions options;
  std::shared_ptr<MultiheadAttention> self_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2;
  std::shared_ptr<LayerNorm> norm1, norm2;

 private:
  Tensor feed_forward(const Tensor& x);  // dropout2(ff(x))
};

// Submodules "self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3",
// "dropout1", "dropout2", "dropout3".
class TransformerDecoderLayer : public Module {
 public:
  TransformerDecoderLayer(int64_t d_model, int64_t nhead, TransformerLayerOptions options = {},
                          Generator& gen = default_generator());
  // tgt (T, N, E) and memory (S, N, E) (batch_first: (N, T, E), (N, S, E)); the output has tgt's shape.
  // tgt_mask (T, T) or (N * nhead, T, T), memory_mask (T, S) or (N * nhead, T, S); padding (N, T), (N, S).
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {},
                 bool tgt_is_causal = false, bool memory_is_causal = false);

  const TransformerLayerOptions options;
  std::shared_ptr<MultiheadAttention> self_attn, multihead_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2, dropout3;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;

 private:
  Tensor feed_forward(const Tensor& x);  // dropout3(ff(x))
};

// num_layers layers "layers.0", "layers.1", ... and, with final_norm, a LayerNorm "norm" after the last
// (what a pre-norm stack needs). Unlike PyTorch, which deep-copies one layer so that every layer starts
// with the same weights, each layer draws its own from gen.
class TransformerEncoder : public Module {
 public:
  TransformerEncoder(int64_t d_model, int64_t nhead, int64_t num_layers, TransformerLayerOptions options = {},
                     bool final_norm = false, Generator& gen = default_generator());
  Tensor forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask = {},
                 bool is_causal = false);
  Tensor forward(const Tensor& src) override { return forward(src, Tensor()); }

  std::vector<std::shared_ptr<TransformerEncoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;  // null without final_norm
};

class TransformerDecoder : public Module {
 public:
  TransformerDecoder(int64_t d_model, int64_t nhead, int64_t num_layers, TransformerLayerOptions options = {},
                     bool final_norm = false, Generator& gen = default_generator());
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {},
                 bool tgt_is_causal = false, bool memory_is_causal = false);

  std::vector<std::shared_ptr<TransformerDecoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;  // null without final_norm
};

// The float (T, T) causal mask of nn.Transformer.generate_square_subsequent_mask: 0 on and below the
// diagonal, -inf above it (query l may not see key s > l).
Tensor generate_square_subsequent_mask(int64_t T, TensorOptions options = {});

}  // namespace muse::nn
