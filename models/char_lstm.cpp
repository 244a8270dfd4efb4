#include "muse/models/char_lstm.h"

#include "muse/muse.h"
#include "muse/nn/functional.h"

namespace muse::models {

CharLstm::CharLstm(const CharLstmOptions& o, Generator& gen) : Module("CharLstm"), options_(o) {
  embedding_ = register_module("embedding", std::make_shared<nn::Embedding>(o.vocab_size, o.embedding_dim,
                                                                            std::nullopt, gen));
  lstm_ = register_module("lstm", std::make_shared<nn::LSTM>(o.embedding_dim, o.hidden_size,
                                                             nn::RNNOptions{.num_layers = o.num_layers,
                                                                            .batch_first = true,
                                                                            .dropout = o.dropout},
                                                             gen));
  fc_ = register_module("fc", std::make_shared<nn::Linear>(o.hidden_size, o.vocab_size, true, gen));
}

CharLstmOutput CharLstm::forward(const Tensor& tokens, const LstmState& state) {
  check(tokens.defined() && tokens.dim() == 2, "CharLstm: expected tokens (B, T), got ",
        tokens.defined() ? str(tokens.shape()) : std::string("undefined"));
  Tensor x = (*embedding_)(tokens);            // (B, T, E)
  nn::LSTMOutput out = lstm_->forward(x, state);  // (B, T, H)
  return {(*fc_)(out.output), {out.h, out.c}};  // (B, T, V)
}

std::vector<int64_t> CharLstm::generate(const std::vector<int64_t>& prefix, int64_t n,
                                        const SamplingOptions& sampling, Generator& gen) {
  check(!prefix.empty(), "CharLstm::generate: the prefix is empty (give at least one token, e.g. <bos>)");
  check(n >= 0, "CharLstm::generate: n must be >= 0, got ", n);
  NoGradGuard no_grad;
  bool was_training = is_training();
  eval();
  Device device = parameters().front().device();
  std::vector<int64_t> tokens = prefix;
  // The whole prefix in one forward pass, then one position per new token, carrying the state.
  Tensor input = from_vector(prefix, {1, static_cast<int64_t>(prefix.size())}, {.dtype = kInt64}).to(device);
  LstmState state;
  for (int64_t i = 0; i < n; ++i) {
    CharLstmOutput out = forward(input, state);
    state = out.state;
    int64_t next = sample_token(out.logits[0][out.logits.size(1) - 1], sampling, gen);
    tokens.push_back(next);
    input = full({1, 1}, static_cast<double>(next), {.dtype = kInt64, .device = device});
  }
  train(was_training);
  return tokens;
}

Tensor lm_loss(const Tensor& logits, const Tensor& targets) {
  check(logits.dim() == 3 && targets.dim() == 2 && logits.size(0) == targets.size(0) &&
            logits.size(1) == targets.size(1),
        "lm_loss: expected logits (B, T, V) and targets (B, T), got ", logits.shape(), " and ", targets.shape());
  const int64_t V = logits.size(2);
  return nn::functional::cross_entropy(logits.reshape({-1, V}), targets.reshape({-1}),
                                       nn::functional::Reduction::Mean, /*ignore_index=*/0 /* <pad> */);
}

}  // namespace muse::models
