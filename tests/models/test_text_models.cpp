// The text models: the character LSTM and the translator each fit one batch, train deterministically,
// and decode as specified (greedy = beam search of width 1); the sampler draws from the distribution
// it is given.
#include <doctest/doctest.h>

#include <cmath>

#include "muse/models/char_lstm.h"
#include "muse/models/sampling.h"
#include "muse/models/seq2seq.h"
#include "muse/muse.h"
#include "muse/optim/adam.h"

using namespace muse;

namespace {

// Trains a small CharLstm on one batch for `steps` steps; returns every loss.
std::vector<double> fit_lm(uint64_t seed, int steps) {
  manual_seed(seed);
  auto lm = std::make_shared<models::CharLstm>(
      models::CharLstmOptions{.vocab_size = 20, .embedding_dim = 16, .hidden_size = 32, .num_layers = 2});
  optim::Adam opt(lm->parameters(), {.lr = 1e-2});
  Tensor w = randint(4, 20, {4, 13});  // (B, T + 1)
  std::vector<double> losses;
  for (int i = 0; i < steps; ++i) {
    Tensor loss = models::lm_loss(lm->forward(w.narrow(1, 0, 12)).logits, w.narrow(1, 1, 12));
    opt.zero_grad();
    loss.backward();
    opt.step();
    losses.push_back(loss.item());
  }
  return losses;
}

// A translator small enough to learn to reverse sequences of 5 tokens quickly.
std::shared_ptr<models::Seq2Seq> small_translator(models::Seq2SeqAttention attention) {
  return std::make_shared<models::Seq2Seq>(models::Seq2SeqOptions{.source_vocab = 12, .target_vocab = 12,
                                                                   .embedding_dim = 16, .hidden_size = 32,
                                                                   .num_layers = 2, .dropout = 0,
                                                                   .attention = attention});
}

}  // namespace

TEST_CASE("char_lstm overfits one batch: cross-entropy from log(20) to under 0.1 in 150 steps") {
  std::vector<double> l = fit_lm(0, 150);
  CHECK(l.front() == doctest::Approx(std::log(20.0)).epsilon(0.05));
  CHECK(l.back() < 0.1);
}

TEST_CASE("char_lstm trains deterministically for a seed") {
  CHECK(fit_lm(3, 5) == fit_lm(3, 5));
  CHECK(fit_lm(3, 5) != fit_lm(4, 5));
}

TEST_CASE("char_lstm: generation keeps the prefix, and state carried step by step equals one long forward") {
  manual_seed(1);
  models::CharLstm lm({.vocab_size = 20, .embedding_dim = 8, .hidden_size = 16});
  Generator g1(5), g2(5);
  std::vector<int64_t> a = lm.generate({4, 5, 6}, 10, {}, g1), b = lm.generate({4, 5, 6}, 10, {}, g2);
  CHECK(a.size() == 13);
  CHECK(std::vector<int64_t>(a.begin(), a.begin() + 3) == std::vector<int64_t>{4, 5, 6});
  CHECK(a == b);
  // The last position's logits after feeding the sequence whole, and after feeding it in two parts.
  NoGradGuard no_grad;
  lm.eval();
  Tensor x = from_vector(std::vector<int64_t>{4, 7, 9, 11, 5}, {1, 5}, {.dtype = kInt64});
  Tensor whole = lm.forward(x).logits.select(1, 4);
  models::CharLstmOutput first = lm.forward(x.narrow(1, 0, 3));
  Tensor parts = lm.forward(x.narrow(1, 3, 2), first.state).logits.select(1, 1);
  CHECK(allclose(whole, parts, 1e-5, 1e-6));
  CHECK_THROWS_WITH_AS(lm.generate({}, 3, {}), doctest::Contains("prefix is empty"), Error);
}

TEST_CASE("sample_token: top-k 1 and a tiny temperature give the argmax; draws follow the softmax") {
  Tensor logits = log(tensor({0.1, 0.2, 0.7}));
  Generator gen(0);
  CHECK(models::sample_token(logits, {.top_k = 1}, gen) == 2);
  CHECK(models::sample_token(logits, {.temperature = 1e-4}, gen) == 2);
  std::vector<int> counts(3, 0), nucleus(3, 0);
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[models::sample_token(logits, {}, gen)];
  // Standard deviation of a frequency near 0.2 over 20,000 draws: about 0.003.
  CHECK(counts[0] / double(n) == doctest::Approx(0.1).epsilon(0.1));
  CHECK(counts[1] / double(n) == doctest::Approx(0.2).epsilon(0.075));
  // top_p 0.75: 0.7 alone is short of it, 0.7 + 0.2 reaches it, so token 0 is never drawn and the
  // others come in the ratio 7 : 2.
  for (int i = 0; i < n; ++i) ++nucleus[models::sample_token(logits, {.top_p = 0.75}, gen)];
  CHECK(nucleus[0] == 0);
  CHECK(nucleus[2] / double(n) == doctest::Approx(7.0 / 9.0).epsilon(0.02));
  CHECK_THROWS_WITH_AS(models::sample_token(logits, {.temperature = 0}), doctest::Contains("temperature"), Error);
  CHECK_THROWS_WITH_AS(models::sample_token(logits, {.top_p = 1.5}), doctest::Contains("top_p"), Error);
  CHECK_THROWS_WITH_AS(models::sample_token(zeros({2, 3}), {}), doctest::Contains("(2, 3)"), Error);
}

TEST_CASE("seq2seq learns to reverse sequences with each attention; greedy decoding = beam search of width 1") {
  for (auto attention : {models::Seq2SeqAttention::Dot, models::Seq2SeqAttention::General,
                         models::Seq2SeqAttention::Bahdanau}) {
    CAPTURE(static_cast<int>(attention));
    manual_seed(0);
    auto net = small_translator(attention);
    optim::Adam opt(net->parameters(), {.lr = 1e-2});
    // 16 sources of 5 tokens in 4..11; targets <bos> the reversed source <eos>.
    Tensor src = randint(4, 12, {16, 5});
    Tensor lengths = full({16}, 5, {.dtype = kInt64});
    Tensor reversed = index_select(src, 1, from_vector(std::vector<int64_t>{4, 3, 2, 1, 0}, {5}, {.dtype = kInt64}));
    Tensor tgt = cat({full({16, 1}, 1, {.dtype = kInt64}), reversed, full({16, 1}, 2, {.dtype = kInt64})}, 1);
    double first = 0, last = 0;
    for (int step = 0; step < 200; ++step) {
      Tensor loss = models::seq2seq_loss(net->forward(src, lengths, tgt.narrow(1, 0, 6)), tgt.narrow(1, 1, 6));
      opt.zero_grad();
      loss.backward();
      opt.step();
      (step == 0 ? first : last) = loss.item();
    }
    CHECK(first > 2);
    CHECK(last < 0.05);
    std::vector<std::vector<int64_t>> greedy = net->greedy(src, lengths);
    int correct = 0;
    for (int64_t b = 0; b < 16; ++b) {
      std::vector<int64_t> want = reversed[b].to_vector<int64_t>();
      std::vector<int64_t> source = src[b].to_vector<int64_t>();
      correct += greedy[b] == want;
      CHECK(net->beam_search(source, {.beam = 1, .alpha = 0}) == greedy[b]);
      CHECK(net->beam_search(source, {.beam = 4}) == want);
    }
    CHECK(correct == 16);
  }
}

TEST_CASE("seq2seq: padding after a source's length changes nothing; bad inputs name the shapes") {
  manual_seed(2);
  auto net = small_translator(models::Seq2SeqAttention::Dot);
  net->eval();
  NoGradGuard no_grad;
  Tensor src = from_vector(std::vector<int64_t>{5, 6, 7, 0, 0}, {1, 5}, {.dtype = kInt64});
  Tensor padded_other = from_vector(std::vector<int64_t>{5, 6, 7, 9, 11}, {1, 5}, {.dtype = kInt64});
  Tensor len = full({1}, 3, {.dtype = kInt64});
  Tensor tgt = from_vector(std::vector<int64_t>{1, 4, 8}, {1, 3}, {.dtype = kInt64});
  CHECK(allclose(net->forward(src, len, tgt), net->forward(padded_other, len, tgt), 1e-6, 1e-7));
  CHECK(allclose(net->forward(src, len, tgt), net->forward(src.narrow(1, 0, 3), len, tgt), 1e-6, 1e-7));
  CHECK_THROWS_WITH_AS(net->forward(src, len, zeros({2, 3}, {.dtype = kInt64})), doctest::Contains("(2, 3)"), Error);
  CHECK_THROWS_WITH_AS(net->beam_search({}), doctest::Contains("empty"), Error);
}
