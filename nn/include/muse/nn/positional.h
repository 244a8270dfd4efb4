// Position information for attention models, which otherwise see a set, not a sequence.
//   SinusoidalPositionalEncoding (Vaswani et al. 2017, section 3.5), fixed:
//     pe[p, 2i] = sin(p / 10000^(2i / d)),  pe[p, 2i + 1] = cos(p / 10000^(2i / d))
//   so that pe[p + k] is a linear function of pe[p] for every offset k. forward(x) = dropout(x + pe[:T])
//   as in PyTorch's Transformer tutorial (whose buffer is (max_len, 1, d_model); ours is (max_len, d_model)).
//   LearnedPositionalEmbedding (GPT-2's wpe, BERT's position_embeddings): a trained (max_len, d_model)
//   table, weight ~ N(0, 1) like nn::Embedding, looked up by position.
#pragma once

#include <cstdint>

#include "muse/nn/dropout.h"
#include "muse/nn/module.h"

namespace muse::nn {

struct SinusoidalPositionalEncodingOptions {
  int64_t max_len = 5000;
  double dropout = 0;        // after adding the encoding, while training
  bool batch_first = false;  // forward's x is (N, T, d_model) instead of (T, N, d_model)
};

// Buffer "pe" (max_len, d_model), float32 (to(kFloat64) converts it, keeping float32's rounding); submodule
// "dropout". forward adds pe in x's dtype.
class SinusoidalPositionalEncoding : public Module {
 public:
  explicit SinusoidalPositionalEncoding(int64_t d_model, SinusoidalPositionalEncodingOptions options = {},
                                        Generator& gen = default_generator());
  // x (T, N, d_model), (N, T, d_model) with batch_first, or (T, d_model): x + pe[offset : offset + T],
  // then dropout. offset is the position of x's first step (e.g. the length of a KV cache).
  Tensor forward(const Tensor& x, int64_t offset);
  Tensor forward(const Tensor& x) override { return forward(x, 0); }
  // pe[offset : offset + T]: (T, d_model).
  Tensor encoding(int64_t T, int64_t offset = 0) const;
  std::string extra_repr() const override;

  const int64_t d_model;
  const SinusoidalPositionalEncodingOptions options;
  Tensor pe;  // (max_len, d_model)
  std::shared_ptr<Dropout> dropout;
};

// Parameter "weight" (max_len, d_model) ~ N(0, 1) from gen.
class LearnedPositionalEmbedding : public Module {
 public:
  LearnedPositionalEmbedding(int64_t max_len, int64_t d_model, Generator& gen = default_generator());
  // int64 positions (...) in [0, max_len): weight rows (..., d_model).
  Tensor forward(const Tensor& positions) override;
  // The rows of positions offset, ..., offset + T - 1: (T, d_model).
  Tensor forward(int64_t T, int64_t offset = 0);
  std::string extra_repr() const override;

  const int64_t max_len, d_model;
  Tensor weight;  // (max_len, d_model)
};

}  // namespace muse::nn
