// The Transformer translator (Vaswani et al. 2017, "Attention Is All You Need"), a drop-in for the LSTM
// Seq2Seq: the same forward / greedy / beam_search contract and the same token ids (<pad> 0, <bos> 1,
// <eos> 2). Laid out as PyTorch's "Language Translation with nn.Transformer" tutorial:
//   memory = encoder(sqrt(D) src_tok_emb(x) + pe)                      (B, S, D), source padding masked
//   h      = decoder(sqrt(D) tgt_tok_emb(y_<t) + pe, memory)           (B, T, D), causal self-attention
//   logits = generator(h)                                               (B, T, V)
// Pre-norm layers (norm_first) with a final LayerNorm after each stack, as nn.Transformer has.
#pragma once

#include <memory>
#include <vector>

#include "muse/models/translator.h"
#include "muse/nn/embedding.h"
#include "muse/nn/linear.h"
#include "muse/nn/positional.h"
#include "muse/nn/transformer.h"

namespace muse::models {

struct TransformerSeq2SeqOptions {
  int64_t source_vocab = 4000;
  int64_t target_vocab = 4000;
  int64_t d_model = 256;
  int64_t nhead = 4;
  int64_t num_encoder_layers = 3;
  int64_t num_decoder_layers = 3;
  int64_t dim_feedforward = 1024;
  double dropout = 0.1;  // after the positional encoding, in every attention, block and feed-forward
  int64_t max_len = 128;  // the longest source and target (decoder input) sequence
  bool norm_first = true;
};

// The encoder's work, read by every decoder step.
struct TransformerMemory {
  Tensor memory;        // (B, S, D): the encoder's output (arbitrary at padding, which is never read)
  Tensor padding_mask;  // (B, S) bool: true where the source is padding
};

// Submodules "src_tok_emb", "tgt_tok_emb" (weights ~ N(0, 1 / D), so that sqrt(D) * embedding has unit
// variance, and row <pad> = 0), "positional_encoding", "transformer.encoder", "transformer.decoder" (each
// nn::TransformerEncoder / Decoder with its final "norm"), "generator" (Linear(D, V)).
class TransformerSeq2Seq : public Translator {
 public:
  explicit TransformerSeq2Seq(const TransformerSeq2SeqOptions& options, Generator& gen = default_generator());

  // source (B, S) int64, lengths (B,) int64 on the CPU (each in [1, S]; padding after them).
  TransformerMemory encode(const Tensor& source, const Tensor& lengths);
  // Logits (B, T, V) for decoder input target_in (B, T) = <bos> y_1 .. y_{T-1}, position t seeing
  // positions <= t only.
  Tensor decode(const Tensor& target_in, const TransformerMemory& memory);
  // Teacher forcing: decode(target_in, encode(source, lengths)).
  Tensor forward(const Tensor& source, const Tensor& lengths, const Tensor& target_in) override;

  // Greedy decoding of a batch: each step's most likely token, until <eos> or max_len (0: 2 S + 10; at
  // most options().max_len). Returns each sentence's tokens without <bos> and <eos>.
  std::vector<std::vector<int64_t>> greedy(const Tensor& source, const Tensor& lengths, int64_t max_len = 0) override;
  // Beam search for one sentence (token ids without <bos>/<eos>), as Seq2Seq::beam_search.
  std::vector<int64_t> beam_search(const std::vector<int64_t>& source, const BeamSearchOptions& options = {}) override;

  const TransformerSeq2SeqOptions& options() const { return options_; }

 private:
  Tensor embed(nn::Embedding& table, const Tensor& tokens);  // (B, T, D)
  Tensor decoder_hidden(const Tensor& target_in, const TransformerMemory& memory);  // (B, T, D), before generator
  int64_t decode_limit(int64_t S, int64_t max_len) const;

  TransformerSeq2SeqOptions options_;
  std::shared_ptr<nn::Embedding> src_tok_emb_, tgt_tok_emb_;
  std::shared_ptr<nn::SinusoidalPositionalEncoding> positional_encoding_;
  std::shared_ptr<nn::TransformerEncoder> encoder_;
  std::shared_ptr<nn::TransformerDecoder> decoder_;
  std::shared_ptr<nn::Linear> generator_;
};

}  // namespace muse::models
