#include "muse/models/seq2seq.h"

#include "muse/models/char_lstm.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"

namespace muse::models {

namespace F = nn::functional;

namespace {
constexpr int64_t kPad = 0, kBos = 1, kEos = 2;  // the special ids of muse/data/tokenizer.h
}

Seq2Seq::Seq2Seq(const Seq2SeqOptions& o, Generator& gen) : Translator("Seq2Seq"), options_(o) {
  const int64_t E = o.embedding_dim, H = o.hidden_size;
  encoder_embedding_ = register_module("encoder_embedding", std::make_shared<nn::Embedding>(o.source_vocab, E, kPad, gen));
  encoder_ = register_module("encoder", std::make_shared<nn::LSTM>(E, H, nn::RNNOptions{.num_layers = o.num_layers,
                                                                                         .batch_first = true,
                                                                                         .dropout = o.dropout},
                                                                   gen));
  decoder_embedding_ = register_module("decoder_embedding", std::make_shared<nn::Embedding>(o.target_vocab, E, kPad, gen));
  for (int64_t l = 0; l < o.num_layers; ++l)  // layer 0 reads [embedding; previous context]
    decoder_.push_back(register_module(str("decoder_l", l), std::make_shared<nn::LSTMCell>(l == 0 ? E + H : H, H, true, gen)));
  switch (o.attention) {
    case Seq2SeqAttention::Dot: attention_ = std::make_shared<nn::LuongAttention>(H, nn::LuongScore::Dot, gen); break;
    case Seq2SeqAttention::General: attention_ = std::make_shared<nn::LuongAttention>(H, nn::LuongScore::General, gen); break;
    case Seq2SeqAttention::Bahdanau: attention_ = std::make_shared<nn::BahdanauAttention>(H, H, H, gen); break;
  }
  register_module("attention", attention_);
  out_ = register_module("out", std::make_shared<nn::Linear>(2 * H, o.target_vocab, true, gen));
}

Encoded Seq2Seq::encode(const Tensor& source, const Tensor& lengths) {
  check(source.defined() && source.dim() == 2, "Seq2Seq::encode: expected source (B, S), got ",
        source.defined() ? str(source.shape()) : std::string("undefined"));
  nn::LSTMOutput out = encoder_->forward((*encoder_embedding_)(source), {}, lengths);  // (B, S, H)
  // Position j of sentence b is padding when j >= lengths[b].
  Tensor positions = arange(static_cast<double>(source.size(1)), {.dtype = kInt64}).unsqueeze(0);  // (1, S)
  Tensor mask = ge(positions, lengths.to(kCPU).unsqueeze(1)).to(source.device());                 // (B, S)
  auto* bahdanau = dynamic_cast<nn::BahdanauAttention*>(attention_.get());
  return {out.output, mask, {out.h, out.c}, bahdanau ? bahdanau->project_keys(out.output) : Tensor()};
}

DecoderState Seq2Seq::initial_state(const Encoded& enc) {
  DecoderState s;
  for (int64_t l = 0; l < options_.num_layers; ++l) s.layers.push_back({enc.final.h[l], enc.final.c[l]});
  s.context = zeros({enc.outputs.size(0), options_.hidden_size}, {.dtype = enc.outputs.dtype(), .device = enc.outputs.device()});
  return s;
}

nn::AttentionOutput Seq2Seq::attend(const Tensor& query, const Encoded& enc) {
  if (auto* luong = dynamic_cast<nn::LuongAttention*>(attention_.get()))
    return luong->forward(query, enc.outputs, enc.padding_mask);
  return static_cast<nn::BahdanauAttention*>(attention_.get())
      ->forward(query, enc.outputs, enc.padding_mask, enc.projected_keys);
}

Tensor Seq2Seq::decoder_features(const Tensor& tokens, DecoderState& state, const Encoded& enc, Tensor* weights) {
  Tensor x = cat({(*decoder_embedding_)(tokens), state.context}, 1);  // (B, E + H)
  for (size_t l = 0; l < decoder_.size(); ++l) {
    state.layers[l] = decoder_[l]->forward(x, state.layers[l]);
    x = state.layers[l].h;  // (B, H)
    if (l + 1 < decoder_.size()) x = F::dropout(x, options_.dropout, is_training());
  }
  nn::AttentionOutput a = attend(x, enc);
  state.context = a.context;
  if (weights) *weights = a.weights;
  return cat({x, a.context}, 1);  // (B, 2H)
}

Tensor Seq2Seq::decode_step(const Tensor& tokens, DecoderState& state, const Encoded& enc, Tensor* weights) {
  return (*out_)(F::dropout(decoder_features(tokens, state, enc, weights), options_.dropout, is_training()));
}

Tensor Seq2Seq::forward(const Tensor& source, const Tensor& lengths, const Tensor& target_in) {
  check(target_in.defined() && target_in.dim() == 2 && target_in.size(0) == source.size(0),
        "Seq2Seq: expected target_in (B, T) with the source's batch ", source.size(0), ", got ",
        target_in.defined() ? str(target_in.shape()) : std::string("undefined"));
  Encoded enc = encode(source, lengths);
  DecoderState state = initial_state(enc);
  std::vector<Tensor> features;  // (B, 2H) per step
  for (int64_t t = 0; t < target_in.size(1); ++t) features.push_back(decoder_features(target_in.select(1, t), state, enc, nullptr));
  return (*out_)(F::dropout(stack(features, 1), options_.dropout, is_training()));  // (B, T, V)
}

std::vector<std::vector<int64_t>> Seq2Seq::greedy(const Tensor& source, const Tensor& lengths, int64_t max_len) {
  NoGradGuard no_grad;
  bool was_training = is_training();
  eval();
  const int64_t B = source.size(0);
  if (max_len <= 0) max_len = 2 * source.size(1) + 10;
  Encoded enc = encode(source, lengths);
  DecoderState state = initial_state(enc);
  Tensor tokens = full({B}, static_cast<double>(kBos), {.dtype = kInt64, .device = source.device()});
  std::vector<std::vector<int64_t>> out(B);
  std::vector<bool> done(B, false);
  for (int64_t t = 0, open = B; t < max_len && open > 0; ++t) {
    tokens = argmax(decode_step(tokens, state, enc), 1);  // (B,)
    std::vector<int64_t> next = tokens.to(kCPU).to_vector<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      if (next[b] == kEos) done[b] = true, --open;
      else out[b].push_back(next[b]);
    }
  }
  train(was_training);
  return out;
}

Tensor seq2seq_loss(const Tensor& logits, const Tensor& target_out) { return lm_loss(logits, target_out); }

}  // namespace muse::models
