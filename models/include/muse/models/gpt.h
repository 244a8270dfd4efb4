// GPT: a decoder-only Transformer language model with GPT-2's layout (Radford et al. 2019), pre-LayerNorm
// blocks, learned positions and an output layer tied to the token embedding. docs/gpt.md walks through it.
//   x_0 = wte[idx] + wpe[pos]                                   (B, T, C)
//   x   = x + c_proj(attention(c_attn(ln_1(x))))                 causal self-attention, n_head heads
//   x   = x + mlp.c_proj(gelu_tanh(mlp.c_fc(ln_2(x))))           per block h.0 .. h.{n_layer-1}
//   logits = ln_f(x) wte^T                                        (B, T, V)
// Parameter names and initialisation are GPT-2's: N(0, 0.02) for every weight, the residual projections
// (c_proj) scaled by 1/sqrt(2 n_layer), zero biases, LayerNorm 1 and 0. A KvCache keeps each layer's keys
// and values, so generation feeds one new token per step instead of the whole sequence.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "muse/models/sampling.h"
#include "muse/nn/embedding.h"
#include "muse/nn/layer_norm.h"
#include "muse/nn/linear.h"
#include "muse/nn/sequential.h"

namespace muse::models {

struct GptConfig {
  int64_t vocab_size = 4000;
  int64_t context = 128;  // the most positions (wpe's rows)
  int64_t n_layer = 4;
  int64_t n_head = 4;
  int64_t d_model = 256;  // C; a multiple of n_head
  int64_t d_ff = 1024;    // the MLP's hidden width (4 C in GPT-2)
  double dropout = 0.0;   // on the embeddings, the attention weights and both residual branches, while training
  double layer_norm_eps = 1e-5;
  bool bias = true;            // biases in every Linear and LayerNorm
  std::string gelu = "tanh";  // muse::gelu's approximate: "tanh" (GPT-2's gelu_new) or "none"
};

// The keys and values of the positions a Gpt has seen, per layer (B, n_head, length, C / n_head). Each
// cached forward appends its new positions; make a fresh cache (Gpt::make_cache) for a new sequence.
struct KvCache {
  std::vector<Tensor> k, v;  // one per layer; undefined until the first forward
  int64_t length = 0;        // positions cached so far
  int64_t capacity = 0;      // the model's context: length never exceeds it
};

class GptBlock;

class Gpt : public nn::Module {
 public:
  explicit Gpt(GptConfig config, Generator& gen = default_generator());

  // idx (B, T) int64 -> logits (B, T, V). Without a cache, positions 0..T-1 and causal attention. With
  // a cache, idx holds the T positions after cache->length: they attend to every cached position and
  // causally among themselves, and are appended to the cache. Positions past the context are an error.
  Tensor forward(const Tensor& idx, KvCache* cache = nullptr);
  KvCache make_cache() const;

  // Each prefix continued by n tokens drawn one at a time (models/sampling.h), all rows in one batch with
  // a KV cache; prefixes may differ in length (a row is fed its own prefix until it runs out). Returns
  // each prefix followed by its n new tokens. When a sequence outgrows the context, each further step
  // recomputes the last `context` tokens without the cache (the window slides).
  std::vector<std::vector<int64_t>> generate(const std::vector<std::vector<int64_t>>& prefixes, int64_t n,
                                             const SamplingOptions& sampling, Generator& gen = default_generator());
  std::vector<int64_t> generate(const std::vector<int64_t>& prefix, int64_t n, const SamplingOptions& sampling,
                                Generator& gen = default_generator());

  // A Gpt read from a GPT-2 checkpoint in Hugging Face's safetensors layout (see load_gpt2); the config
  // comes from the tensors' shapes, except n_head, which the file does not record (GPT-2 small: 12).
  static std::shared_ptr<Gpt> from_gpt2(const std::string& safetensors_path, int64_t n_head);

  const GptConfig& config() const { return config_; }

 private:
  // ln_f's output (B, T, C) for idx, the transformer without the output layer.
  Tensor hidden(const Tensor& idx, KvCache* cache);
  // The tied output layer: x (..., C) -> logits (..., V).
  Tensor head(const Tensor& x) const;
  // Logits (B, V) of the next token after rows[b][0, t), every row at least t tokens long: with the
  // cache while t fits the context (feeding only the uncached positions), else the last context tokens.
  Tensor next_logits(const std::vector<std::vector<int64_t>>& rows, int64_t t, KvCache& cache);

  GptConfig config_;
  std::shared_ptr<nn::Embedding> wte_, wpe_;
  std::shared_ptr<nn::Sequential> h_;
  std::vector<std::shared_ptr<GptBlock>> blocks_;
  std::shared_ptr<nn::LayerNorm> ln_f_;
};

// Mean next-token cross-entropy of logits (B, T, V) against targets (B, T) int64; targets equal to -100
// are ignored (PyTorch's ignore_index).
Tensor gpt_loss(const Tensor& logits, const Tensor& targets);

// Copies a GPT-2 checkpoint into model. The file's keys are GPT-2's, optionally prefixed "transformer."
// (GPT2LMHeadModel's files); "lm_head.weight" (tied to wte) and the attn.bias / attn.masked_bias mask
// buffers are ignored. Conv1D weights are stored (in, out) and transposed into the Linear layers' (out,
// in). Every key and shape is checked before anything is copied: a missing, unexpected or misshapen
// tensor is a muse::Error naming the key and both shapes.
void load_gpt2(Gpt& model, const std::string& safetensors_path);

}  // namespace muse::models
