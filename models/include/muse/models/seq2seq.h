// The seeds' translator: a 2-layer LSTM encoder and a 2-layer LSTM decoder with attention (Luong et al.,
// "Effective Approaches to Attention-based Neural Machine Translation", 2015, with input feeding), trained
// with teacher forcing, decoded greedily or with beam search. docs/seq2seq.md walks through it.
//   encoder:  s_1..s_S = LSTM(embedding(x_1..x_S))                         (B, S, H)
//   decoder step t:  h_t = LSTM([embedding(y_{t-1}); context_{t-1}], h_{t-1})
//                    a_t = softmax_j score(h_t, s_j)  (padding masked)      (B, S)
//                    context_t = sum_j a_tj s_j                             (B, H)
//                    logits_t = W_out [h_t; context_t] + b                  (B, V)
// With one layer, dot attention and no dropout this is the `seq2seq_attn` workload of WORKLOADS.md.
#pragma once

#include <memory>
#include <vector>

#include "muse/models/translator.h"
#include "muse/nn/embedding.h"
#include "muse/nn/linear.h"
#include "muse/nn/rnn.h"
#include "muse/nn/seq_attention.h"

namespace muse::models {

enum class Seq2SeqAttention { Dot, General, Bahdanau };

struct Seq2SeqOptions {
  int64_t source_vocab = 4000;
  int64_t target_vocab = 4000;
  int64_t embedding_dim = 256;
  int64_t hidden_size = 256;
  int64_t num_layers = 2;
  double dropout = 0.1;  // between layers and before the output layer, while training
  Seq2SeqAttention attention = Seq2SeqAttention::Dot;
};

// The encoder's work, read by every decoder step.
struct Encoded {
  Tensor outputs;       // (B, S, H): the top layer's output at each source position (0 at padding)
  Tensor padding_mask;  // (B, S) bool: true where the source is padding
  LstmState final;      // (L, B, H) each: the state after each sequence's last token
  Tensor projected_keys;  // (B, S, H): Bahdanau attention's W_k k + b, once per sentence (undefined for Luong)
};

// The decoder's state between steps.
struct DecoderState {
  std::vector<LstmState> layers;  // (B, H) each
  Tensor context;                 // (B, H): the previous step's attention context (input feeding)
};

class Seq2Seq : public Translator {
 public:
  explicit Seq2Seq(const Seq2SeqOptions& options, Generator& gen = default_generator());

  // source (B, S) int64, lengths (B,) int64 on the CPU (each in [1, S]; padding after them).
  Encoded encode(const Tensor& source, const Tensor& lengths);
  // The encoder's final state per layer, and a zero context.
  DecoderState initial_state(const Encoded& enc);
  // One decoder step for tokens (B,): returns logits (B, V) and advances state; weights, when given,
  // receives the attention weights (B, S).
  Tensor decode_step(const Tensor& tokens, DecoderState& state, const Encoded& enc, Tensor* weights = nullptr);
  // Teacher forcing: logits (B, T, V) for target_in (B, T) = <bos> y_1 .. y_{T-1}, every step fed the
  // true previous token; the output layer runs once over all steps.
  Tensor forward(const Tensor& source, const Tensor& lengths, const Tensor& target_in) override;

  // Greedy decoding of a batch: each step's most likely token, until <eos> or max_len (0: 2 S + 10).
  // Returns each sentence's tokens without <bos> and <eos>.
  std::vector<std::vector<int64_t>> greedy(const Tensor& source, const Tensor& lengths, int64_t max_len = 0) override;
  // Beam search for one sentence (token ids without <bos>/<eos>): keeps the `beam` best partial
  // translations by total log-probability; a translation ends at <eos>; the best finished one by
  // log-probability / length penalty wins.
  std::vector<int64_t> beam_search(const std::vector<int64_t>& source, const BeamSearchOptions& options = {}) override;

  const Seq2SeqOptions& options() const { return options_; }

 private:
  // [h_top; context] (B, 2H) of one step, before the output layer.
  Tensor decoder_features(const Tensor& tokens, DecoderState& state, const Encoded& enc, Tensor* weights);
  nn::AttentionOutput attend(const Tensor& query, const Encoded& enc);

  Seq2SeqOptions options_;
  std::shared_ptr<nn::Embedding> encoder_embedding_, decoder_embedding_;
  std::shared_ptr<nn::LSTM> encoder_;
  std::vector<std::shared_ptr<nn::LSTMCell>> decoder_;
  std::shared_ptr<nn::Module> attention_;
  std::shared_ptr<nn::Linear> out_;
};

// Mean cross-entropy of logits (B, T, V) against target_out (B, T) = y_1 .. y_T <eos>, ignoring <pad>.
Tensor seq2seq_loss(const Tensor& logits, const Tensor& target_out);

}  // namespace muse::models
