// The GPT model: GPT-2's parameter names and initialisation, cached decoding equal to one uncached
// forward, batched generation equal to a plain greedy loop (also past the context), fitting one batch,
// determinism, and its errors. Its GPT-2 checkpoint loading is in test_gpt2_checkpoint.cpp.
#include <doctest/doctest.h>

#include <cmath>

#include "muse/models/gpt.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/optim/adam.h"

using namespace muse;

namespace {

models::GptConfig tiny(int64_t context = 12) {
  return {.vocab_size = 23, .context = context, .n_layer = 2, .n_head = 4, .d_model = 16, .d_ff = 48};
}

Tensor ids(const std::vector<int64_t>& values, int64_t B) {
  return from_vector(values, {B, static_cast<int64_t>(values.size()) / B}, {.dtype = kInt64});
}

// Greedy decoding the slow way: the whole sequence (its last `context` tokens) through forward each step.
std::vector<int64_t> greedy_uncached(models::Gpt& gpt, std::vector<int64_t> tokens, int64_t n) {
  NoGradGuard no_grad;
  const int64_t context = gpt.config().context;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> window(tokens.end() - std::min<int64_t>(context, tokens.size()), tokens.end());
    Tensor logits = gpt.forward(ids(window, 1));  // (1, T, V)
    tokens.push_back(static_cast<int64_t>(argmax(logits[0][logits.size(1) - 1]).item()));
  }
  return tokens;
}

// Trains a small Gpt (with dropout) on one batch for `steps` steps; returns every loss.
std::vector<double> fit(uint64_t seed, int steps, double dropout) {
  manual_seed(seed);
  models::GptConfig config = tiny(16);
  config.dropout = dropout;
  auto gpt = std::make_shared<models::Gpt>(config);
  optim::Adam opt(gpt->parameters(), {.lr = 1e-2});
  Tensor w = randint(0, 23, {4, 17});  // (B, T + 1)
  std::vector<double> losses;
  for (int i = 0; i < steps; ++i) {
    Tensor loss = models::gpt_loss(gpt->forward(w.narrow(1, 0, 16)), w.narrow(1, 1, 16));
    opt.zero_grad();
    loss.backward();
    opt.step();
    losses.push_back(loss.item());
  }
  return losses;
}

}  // namespace

TEST_CASE("gpt: GPT-2's parameter names and shapes, a tied output layer, GPT-2's initialisation") {
  models::Gpt gpt(tiny());
  std::vector<std::pair<std::string, Shape>> expected = {
      {"wte.weight", {23, 16}},          {"wpe.weight", {12, 16}},         {"h.0.ln_1.weight", {16}},
      {"h.0.ln_1.bias", {16}},           {"h.0.attn.c_attn.weight", {48, 16}}, {"h.0.attn.c_attn.bias", {48}},
      {"h.0.attn.c_proj.weight", {16, 16}}, {"h.0.attn.c_proj.bias", {16}}, {"h.0.ln_2.weight", {16}},
      {"h.0.ln_2.bias", {16}},           {"h.0.mlp.c_fc.weight", {48, 16}}, {"h.0.mlp.c_fc.bias", {48}},
      {"h.0.mlp.c_proj.weight", {16, 48}}, {"h.0.mlp.c_proj.bias", {16}}};
  auto state = gpt.state_dict();
  REQUIRE(state.size() == 2 + 2 * 12 + 2);  // no lm_head: it is wte
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(state[i].first == expected[i].first);
    CHECK(state[i].second.shape() == expected[i].second);
  }
  CHECK(state[14].first == "h.1.ln_1.weight");
  CHECK(state.back().first == "ln_f.bias");
  models::GptConfig unbiased = tiny();
  unbiased.bias = false;
  models::Gpt no_bias(unbiased);
  CHECK(no_bias.state_dict().size() == 2 + 2 * 6 + 1);  // weights only, LayerNorms included
  CHECK(no_bias.forward(zeros({1, 3}, {.dtype = kInt64})).shape() == Shape{1, 3, 23});

  // Standard deviations 0.02 and 0.02 / sqrt(2 n_layer) on a model big enough to measure them.
  manual_seed(0);
  models::Gpt big({.vocab_size = 500, .context = 64, .n_layer = 8, .d_model = 128, .d_ff = 512});
  auto std_of = [&](const std::string& key) {
    for (auto& [name, t] : big.state_dict())
      if (name == key) return std::sqrt(mean(t * t).item());
    FAIL("no key ", key);
    return 0.0;
  };
  CHECK(std_of("wte.weight") == doctest::Approx(0.02).epsilon(0.03));
  CHECK(std_of("wpe.weight") == doctest::Approx(0.02).epsilon(0.03));
  CHECK(std_of("h.3.attn.c_attn.weight") == doctest::Approx(0.02).epsilon(0.03));
  CHECK(std_of("h.3.mlp.c_fc.weight") == doctest::Approx(0.02).epsilon(0.03));
  CHECK(std_of("h.3.attn.c_proj.weight") == doctest::Approx(0.02 / 4).epsilon(0.03));
  CHECK(std_of("h.3.mlp.c_proj.weight") == doctest::Approx(0.02 / 4).epsilon(0.03));
  CHECK(std_of("h.3.mlp.c_fc.bias") == 0);
  CHECK(std_of("h.3.ln_1.weight") == 1);
  // With small weights the first prediction is nearly uniform: loss about log(V) on targets unrelated to
  // the input (the tied head favours each position's own input token a little).
  Tensor x = randint(0, 500, {2, 64}), y = randint(0, 500, {2, 64});
  CHECK(models::gpt_loss(big.forward(x), y).item() == doctest::Approx(std::log(500.0)).epsilon(0.02));
}

TEST_CASE("gpt: cached decoding, token by token or in chunks, gives the logits of one uncached forward") {
  manual_seed(1);
  models::Gpt gpt(tiny());
  gpt.eval();
  NoGradGuard no_grad;
  Tensor x = randint(0, 23, {2, 12});
  Tensor whole = gpt.forward(x);  // (2, 12, 23)
  for (std::vector<int64_t> chunks : {std::vector<int64_t>(12, 1), {5, 3, 1, 3}, {1, 11}, {12}}) {
    CAPTURE(chunks.size());
    models::KvCache cache = gpt.make_cache();
    std::vector<Tensor> parts;
    int64_t start = 0;
    for (int64_t c : chunks) {
      parts.push_back(gpt.forward(x.narrow(1, start, c), &cache));
      start += c;
      CHECK(cache.length == start);
    }
    CHECK(cache.k[1].shape() == Shape{2, 4, 12, 4});
    CHECK(allclose(cat(parts, 1), whole, 1e-5, 1e-5));
  }
  // Causal: a change to the last token leaves every earlier position's logits alone.
  Tensor y = x.clone();
  y.narrow(1, 11, 1).fill_(0.0);
  Tensor other = gpt.forward(y);
  CHECK(equal(other.narrow(1, 0, 11), whole.narrow(1, 0, 11)));
}

TEST_CASE("gpt: batched generation of ragged prefixes equals greedy decoding one row at a time, past the context") {
  manual_seed(2);
  models::Gpt gpt(tiny(8));
  std::vector<std::vector<int64_t>> prefixes = {{1, 2, 3}, {4}, {5, 6, 7, 8, 9, 10}};
  models::SamplingOptions greedy{.top_k = 1};
  // 6 + 7 tokens outgrow the context of 8: the last steps slide the window.
  std::vector<std::vector<int64_t>> rows = gpt.generate(prefixes, 7, greedy);
  REQUIRE(rows.size() == 3);
  for (size_t b = 0; b < rows.size(); ++b) {
    CAPTURE(b);
    CHECK(rows[b].size() == prefixes[b].size() + 7);
    CHECK(rows[b] == greedy_uncached(gpt, prefixes[b], 7));
    CHECK(gpt.generate(prefixes[b], 7, greedy) == rows[b]);
  }
  CHECK(gpt.is_training());  // restored
  CHECK(gpt.generate({3, 4}, 0, {}) == std::vector<int64_t>{3, 4});
  // Sampling: the same generator seed gives the same draws.
  Generator g1(7), g2(7);
  CHECK(gpt.generate(prefixes, 5, {}, g1) == gpt.generate(prefixes, 5, {}, g2));
}

TEST_CASE("gpt_loss is the mean cross-entropy over every position, ignoring targets of -100") {
  manual_seed(3);
  Tensor logits = randn({2, 3, 5});
  Tensor targets = ids({1, 4, 0, 2, -100, 3}, 2);
  Tensor want = nn::functional::cross_entropy(logits.reshape({6, 5}), targets.reshape({6}));
  CHECK(models::gpt_loss(logits, targets).item() == doctest::Approx(want.item()));
  CHECK_THROWS_WITH_AS(models::gpt_loss(logits, ids({1, 2, 3}, 1)),
                       doctest::Contains("gpt_loss: expected logits (B, T, V) and targets (B, T), got (2, 3, 5) and "
                                         "(1, 3)"),
                       Error);
}

TEST_CASE("gpt overfits one batch: cross-entropy from log(23) to under 0.05 in 100 steps") {
  std::vector<double> l = fit(0, 100, 0.0);
  CHECK(l.front() == doctest::Approx(std::log(23.0)).epsilon(0.05));
  CHECK(l.back() < 0.05);
}

TEST_CASE("gpt trains deterministically for a seed, dropout included") {
  CHECK(fit(3, 4, 0.1) == fit(3, 4, 0.1));
  CHECK(fit(3, 4, 0.1) != fit(4, 4, 0.1));
  CHECK(fit(3, 4, 0.1) != fit(3, 4, 0.0));
}

TEST_CASE("gpt: errors name the model and the sizes") {
  models::GptConfig bad = tiny();
  bad.n_head = 3;
  CHECK_THROWS_WITH_AS(models::Gpt{bad}, doctest::Contains("Gpt: d_model=16 is not a multiple of n_head=3"), Error);
  bad = tiny();
  bad.gelu = "exact";
  CHECK_THROWS_WITH_AS(models::Gpt{bad}, doctest::Contains("gelu must be \"tanh\" or \"none\""), Error);
  models::Gpt gpt(tiny());
  CHECK_THROWS_WITH_AS(gpt.forward(zeros({2, 3})),
                       doctest::Contains("Gpt: expected idx (B, T) int64, got (2, 3) float32"), Error);
  CHECK_THROWS_WITH_AS(gpt.forward(zeros({1, 13}, {.dtype = kInt64})),
                       doctest::Contains("Gpt: idx (1, 13) has 13 positions, more than the context of 12"), Error);
  models::KvCache cache = gpt.make_cache();
  gpt.forward(zeros({1, 10}, {.dtype = kInt64}), &cache);
  CHECK_THROWS_WITH_AS(gpt.forward(zeros({1, 3}, {.dtype = kInt64}), &cache),
                       doctest::Contains("Gpt: the cache is full: 10 cached + 3 new positions exceed the context of "
                                         "12"),
                       Error);
  CHECK_THROWS_WITH_AS(gpt.forward(zeros({2, 1}, {.dtype = kInt64}), &cache),
                       doctest::Contains("idx (2, 1) has batch 2 but the cache holds 1 sequences"), Error);
  models::Gpt deeper({.vocab_size = 23, .context = 12, .n_layer = 3, .n_head = 4, .d_model = 16, .d_ff = 48});
  models::KvCache other = deeper.make_cache();
  CHECK_THROWS_WITH_AS(gpt.forward(zeros({1, 1}, {.dtype = kInt64}), &other),
                       doctest::Contains("Gpt: the cache was not made by this model (3 layers"), Error);
  CHECK_THROWS_WITH_AS(gpt.generate(std::vector<int64_t>{}, 3, {}), doctest::Contains("a prefix is empty"), Error);
  CHECK_THROWS_WITH_AS(gpt.generate({1, 23}, 3, {}), doctest::Contains("token 23 is outside the vocabulary [0, 23)"),
                       Error);
}
