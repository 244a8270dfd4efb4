// The text models train 50 steps on the GPU with the CPU's losses: char_lstm (Embedding, the fused LSTM
// cell, cross-entropy, gradient clipping, Adam) and seq2seq (variable-length encoder, dot attention with
// a padding mask, teacher forcing).
#include <doctest/doctest.h>

#include "muse/models/char_lstm.h"
#include "muse/models/seq2seq.h"
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
