#include "muse/nn/transformer.h"

#include <cmath>

#include "muse/ops.h"

namespace muse::nn {
namespace {

void check_options(const char* layer, int64_t d_model, int64_t nhead, const TransformerLayerOptions& o) {
  check(d_model > 0 && nhead > 0 && o.dim_feedforward > 0, layer,
        ": d_model, nhead and dim_feedforward must be positive, got ", d_model, ", ", nhead, " and ", o.dim_feedforward);
  check(o.activation == "relu" || o.activation == "gelu", layer, ": activation must be \"relu\" or \"gelu\", got \"",
        o.activation, "\"");
  check(o.dropout >= 0 && o.dropout < 1, layer, ": dropout must be in [0, 1), got ", o.dropout);
}

MultiheadAttentionOptions attention_options(const TransformerLayerOptions& o) {
  return {.dropout = o.dropout, .bias = o.bias, .batch_first = o.batch_first};
}

std::shared_ptr<LayerNorm> make_norm(int64_t d_model, const TransformerLayerOptions& o) {
  LayerNormOptions options{.eps = o.layer_norm_eps, .bias = o.bias};
  return std::make_shared<LayerNorm>(std::vector<int64_t>{d_model}, options);
}

Tensor activate(const std::string& activation, const Tensor& x) { return activation == "gelu" ? gelu(x) : relu(x); }

// The child module list "layers" (printed as PyTorch's ModuleList) holding layer i under "i".
template <class Layer>
std::vector<std::shared_ptr<Layer>> make_layers(Module& parent, int64_t num_layers, int64_t d_model, int64_t nhead,
                                                const TransformerLayerOptions& o, Generator& gen) {
  check(num_layers >= 1, parent.name(), ": num_layers must be at least 1, got ", num_layers);
  auto list = parent.register_module("layers", std::make_shared<Module>("ModuleList"));
  std::vector<std::shared_ptr<Layer>> layers;
  for (int64_t i = 0; i < num_layers; ++i)
    layers.push_back(list->register_module(std::to_string(i), std::make_shared<Layer>(d_model, nhead, o, gen)));
  return layers;
}

}  // namespace

TransformerEncoderLayer::TransformerEncoderLayer(int64_t d_model, int64_t nhead, TransformerLayerOptions o, Generator& gen)
    : Module("TransformerEncoderLayer"), options(o) {
  check_options("TransformerEncoderLayer", d_model, nhead, o);
  self_attn = register_module("self_attn", std::make_shared<MultiheadAttention>(d_model, nhead, attention_options(o), gen));
  linear1 = register_module("linear1", std::make_shared<Linear>(d_model, o.dim_feedforward, o.bias, gen));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout, gen));
  linear2 = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward, d_model, o.bias, gen));
  norm1 = register_module("norm1", make_norm(d_model, o));
  norm2 = register_module("norm2", make_norm(d_model, o));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout, gen));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout, gen));
}

Tensor TransformerEncoderLayer::feed_forward(const Tensor& x) {
  return dropout2->forward(linear2->forward(dropout->forward(activate(options.activation, linear1->forward(x)))));
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask,
                                        bool is_causal) {
  auto self_attention = [&](const Tensor& x) {
    return dropout1->forward(self_attn->forward(x, x, x, src_key_padding_mask, false, src_mask, true, is_causal).output);
  };
  Tensor x = src;
  if (options.norm_first) {
    x = x + self_attention(norm1->forward(x));
    return x + feed_forward(norm2->forward(x));
  }
  x = norm1->forward(x + self_attention(x));
  return norm2->forward(x + feed_forward(x));
}

TransformerDecoderLayer::TransformerDecoderLayer(int64_t d_model, int64_t nhead, TransformerLayerOptions o, Generator& gen)
    : Module("TransformerDecoderLayer"), options(o) {
  check_options("TransformerDecoderLayer", d_model, nhead, o);
  self_attn = register_module("self_attn", std::make_shared<MultiheadAttention>(d_model, nhead, attention_options(o), gen));
  multihead_attn =
      register_module("multihead_attn", std::make_shared<MultiheadAttention>(d_model, nhead, attention_options(o), gen));
  linear1 = register_module("linear1", std::make_shared<Linear>(d_model, o.dim_feedforward, o.bias, gen));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout, gen));
  linear2 = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward, d_model, o.bias, gen));
  norm1 = register_module("norm1", make_norm(d_model, o));
  norm2 = register_module("norm2", make_norm(d_model, o));
  norm3 = register_module("norm3", make_norm(d_model, o));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout, gen));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout, gen));
  dropout3 = register_module("dropout3", std::make_shared<Dropout>(o.dropout, gen));
}

Tensor TransformerDecoderLayer::feed_forward(const Tensor& x) {
  return dropout3->forward(linear2->forward(dropout->forward(activate(options.activation, linear1->forward(x)))));
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                        const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                        const Tensor& memory_key_padding_mask, bool tgt_is_causal, bool memory_is_causal) {
  check(memory.defined(), label(), ": got an undefined memory");
  auto self_attention = [&](const Tensor& x) {
    MultiheadAttentionOutput y = self_attn->forward(x, x, x, tgt_key_padding_mask, false, tgt_mask, true, tgt_is_causal);
    return dropout1->forward(y.output);
  };
  auto cross_attention = [&](const Tensor& x) {
    MultiheadAttentionOutput y =
        multihead_attn->forward(x, memory, memory, memory_key_padding_mask, false, memory_mask, true, memory_is_causal);
    return dropout2->forward(y.output);
  };
  Tensor x = tgt;
  if (options.norm_first) {
    x = x + self_attention(norm1->forward(x));
    x = x + cross_attention(norm2->forward(x));
    return x + feed_forward(norm3->forward(x));
  }
  x = norm1->forward(x + self_attention(x));
  x = norm2->forward(x + cross_attention(x));
  return norm3->forward(x + feed_forward(x));
}

TransformerEncoder::TransformerEncoder(int64_t d_model, int64_t nhead, int64_t num_layers, TransformerLayerOptions o,
                                       bool final_norm, Generator& gen)
    : Module("TransformerEncoder") {
  layers = make_layers<TransformerEncoderLayer>(*this, num_layers, d_model, nhead, o, gen);
  if (final_norm) norm = register_module("norm", make_norm(d_model, o));
}

Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask,
                                   bool is_causal) {
  Tensor x = src;
  for (const auto& layer : layers) x = layer->forward(x, mask, src_key_padding_mask, is_causal);
  return norm ? norm->forward(x) : x;
}

TransformerDecoder::TransformerDecoder(int64_t d_model, int64_t nhead, int64_t num_layers, TransformerLayerOptions o,
                                       bool final_norm, Generator& gen)
    : Module("TransformerDecoder") {
  layers = make_layers<TransformerDecoderLayer>(*this, num_layers, d_model, nhead, o, gen);
  if (final_norm) norm = register_module("norm", make_norm(d_model, o));
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                   const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                   const Tensor& memory_key_padding_mask, bool tgt_is_causal, bool memory_is_causal) {
  Tensor x = tgt;
  for (const auto& layer : layers)
    x = layer->forward(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask, tgt_is_causal,
                       memory_is_causal);
  return norm ? norm->forward(x) : x;
}

Tensor generate_square_subsequent_mask(int64_t T, TensorOptions options) {
  check(T >= 0, "generate_square_subsequent_mask: T must be non-negative, got ", T);
  Tensor blocked = arange(T, {.device = options.device}).unsqueeze(1) < arange(T, {.device = options.device}).unsqueeze(0);
  return zeros({T, T}, options).masked_fill(blocked, -INFINITY);
}

}  // namespace muse::nn
