// The text models train 50 steps on the GPU with the CPU's losses: char_lstm (Embedding, the fused LSTM
// cell, cross-entropy, gradient clipping, Adam), seq2seq (variable-length encoder, dot attention with a
// padding mask, teacher forcing), gpt and the Transformer translator.
#include <doctest/doctest.h>

#include "muse/models/char_lstm.h"
#include "muse/models/gpt.h"
#include "muse/models/seq2seq.h"
#include "muse/models/transformer_seq2seq.h"
#include "muse/muse.h"
#include "muse/nn/utils.h"
#include "muse/optim/adam.h"

using namespace muse;

TEST_CASE("cuda: char_lstm and seq2seq train 50 steps on the GPU with the CPU's losses") {
  std::vector<double> lm_losses[2], s2s_losses[2];
  for (int d = 0; d < 2; ++d) {
    const Device device = d == 0 ? kCPU : kCUDA;
    manual_seed(0);
    auto lm = std::make_shared<models::CharLstm>(
        models::CharLstmOptions{.vocab_size = 300, .embedding_dim = 32, .hidden_size = 64});
    auto s2s = std::make_shared<models::Seq2Seq>(models::Seq2SeqOptions{
        .source_vocab = 200, .target_vocab = 250, .embedding_dim = 32, .hidden_size = 64, .dropout = 0});
    lm->to(device), s2s->to(device);
    optim::Adam opt_lm(lm->parameters(), {.lr = 1e-3}), opt_s2s(s2s->parameters(), {.lr = 1e-3});
    Generator data(3);
    for (int step = 0; step < 50; ++step) {
      Tensor w = randint(4, 300, {8, 17}, {.dtype = kInt64}, data).to(device);
      Tensor loss = models::lm_loss(lm->forward(w.narrow(1, 0, 16)).logits, w.narrow(1, 1, 16));
      opt_lm.zero_grad();
      loss.backward();
      nn::utils::clip_grad_norm_(lm->parameters(), 1.0);
      opt_lm.step();
      lm_losses[d].push_back(loss.item());

      Tensor src = randint(4, 200, {8, 9}, {.dtype = kInt64}, data).to(device);
      Tensor len = randint(1, 10, {8}, {.dtype = kInt64}, data);  // lengths stay on the CPU
      Tensor tgt = randint(4, 250, {8, 7}, {.dtype = kInt64}, data).to(device);
      Tensor l = models::seq2seq_loss(s2s->forward(src, len, tgt.narrow(1, 0, 6)), tgt.narrow(1, 1, 6));
      opt_s2s.zero_grad();
      l.backward();
      opt_s2s.step();
      s2s_losses[d].push_back(l.item());
    }
  }
  for (int step = 0; step < 50; step += 7) {
    CAPTURE(step);
    CHECK(lm_losses[1][step] == doctest::Approx(lm_losses[0][step]).epsilon(1e-4));
    CHECK(s2s_losses[1][step] == doctest::Approx(s2s_losses[0][step]).epsilon(1e-4));
  }
  CHECK(lm_losses[0][49] < lm_losses[0][0]);
}

// The Transformers: gpt (fused attention with the causal mask, LayerNorm, GELU, dropout, AdamW with
// weight decay) and tseq2seq (encoder-decoder attention with padding masks, dropout 0.1). The GPU draws
// the CPU's dropout masks, so the runs differ by rounding only.
TEST_CASE("cuda: gpt and tseq2seq train 50 steps on the GPU with the CPU's losses") {
  std::vector<double> gpt_losses[2], ts_losses[2];
  for (int d = 0; d < 2; ++d) {
    const Device device = d == 0 ? kCPU : kCUDA;
    manual_seed(0);
    auto gpt = std::make_shared<models::Gpt>(models::GptConfig{
        .vocab_size = 300, .context = 33, .n_layer = 2, .n_head = 4, .d_model = 64, .d_ff = 256, .dropout = 0.1});
    auto ts = std::make_shared<models::TransformerSeq2Seq>(models::TransformerSeq2SeqOptions{
        .source_vocab = 200, .target_vocab = 250, .d_model = 32, .nhead = 4, .num_encoder_layers = 2,
        .num_decoder_layers = 2, .dim_feedforward = 64});
    gpt->to(device), ts->to(device);
    optim::AdamW opt_gpt(gpt->parameters(), {.lr = 1e-3, .weight_decay = 0.1});
    optim::Adam opt_ts(ts->parameters(), {.lr = 1e-3, .beta2 = 0.98});
    Generator data(4);
    for (int step = 0; step < 50; ++step) {
      Tensor w = randint(4, 300, {4, 33}, {.dtype = kInt64}, data).to(device);
      Tensor loss = models::lm_loss(gpt->forward(w.narrow(1, 0, 32)), w.narrow(1, 1, 32));
      opt_gpt.zero_grad();
      loss.backward();
      nn::utils::clip_grad_norm_(gpt->parameters(), 1.0);
      opt_gpt.step();
      gpt_losses[d].push_back(loss.item());

      Tensor src = randint(4, 200, {8, 9}, {.dtype = kInt64}, data).to(device);
      Tensor len = randint(1, 10, {8}, {.dtype = kInt64}, data);  // lengths on the CPU, as the LSTM's
      Tensor tgt = randint(4, 250, {8, 7}, {.dtype = kInt64}, data).to(device);
      Tensor l = models::seq2seq_loss(ts->forward(src, len, tgt.narrow(1, 0, 6)), tgt.narrow(1, 1, 6));
      opt_ts.zero_grad();
      l.backward();
      nn::utils::clip_grad_norm_(ts->parameters(), 1.0);
      opt_ts.step();
      ts_losses[d].push_back(l.item());
    }
  }
  for (int step = 0; step < 50; step += 7) {
    CAPTURE(step);
    CHECK(gpt_losses[1][step] == doctest::Approx(gpt_losses[0][step]).epsilon(1e-4));
    CHECK(ts_losses[1][step] == doctest::Approx(ts_losses[0][step]).epsilon(1e-4));
  }
  CHECK(gpt_losses[0][49] < gpt_losses[0][0]);
  CHECK(ts_losses[0][49] < ts_losses[0][0]);
}
