// The seeds' character-level poem generator: Embedding -> 2-layer LSTM -> Linear over the vocabulary,
// trained to predict each next character (the `lstm_lm` workload of WORKLOADS.md has this shape with a
// 4,000-token vocabulary). docs/lstm.md walks through it.
//   logits_t = W_out h_t + b,   h_t = LSTM(embedding(x_1..x_t))
//   loss = mean_t cross_entropy(logits_t, x_{t+1});  perplexity = exp(loss)
#pragma once

#include <memory>
#include <vector>

#include "muse/models/sampling.h"
#include "muse/nn/embedding.h"
#include "muse/nn/linear.h"
#include "muse/nn/rnn.h"

namespace muse::models {

struct CharLstmOptions {
  int64_t vocab_size = 4000;
  int64_t embedding_dim = 256;
  int64_t hidden_size = 512;
  int64_t num_layers = 2;
  double dropout = 0;  // between the LSTM layers, while training
};

struct CharLstmOutput {
  Tensor logits;  // (B, T, V)
  LstmState state;  // (L, B, H) each: where the sequence left off, to continue it
};

class CharLstm : public nn::Module {
 public:
  explicit CharLstm(const CharLstmOptions& options, Generator& gen = default_generator());

  // tokens (B, T) int64; state (h, c) of (L, B, H) each, zeros when undefined.
  CharLstmOutput forward(const Tensor& tokens, const LstmState& state = {});
  // The prefix's tokens, then n more drawn one at a time, each fed back as the next input.
  std::vector<int64_t> generate(const std::vector<int64_t>& prefix, int64_t n, const SamplingOptions& sampling,
                                Generator& gen = default_generator());

  const CharLstmOptions& options() const { return options_; }

 private:
  CharLstmOptions options_;
  std::shared_ptr<nn::Embedding> embedding_;
  std::shared_ptr<nn::LSTM> lstm_;
  std::shared_ptr<nn::Linear> fc_;
};

// Mean cross-entropy of logits (B, T, V) against the next tokens (B, T), ignoring <pad> targets.
Tensor lm_loss(const Tensor& logits, const Tensor& targets);

}  // namespace muse::models
