// The Transformer translator: it fits a small batch (learns to reverse sequences), trains
// deterministically, ignores source and target padding, decodes consistently (greedy = beam search of
// width 1 = greedy one sentence at a time), names PyTorch's keys, and reports bad inputs.
#include <doctest/doctest.h>

#include <algorithm>

#include "muse/models/seq2seq.h"
#include "muse/models/transformer_seq2seq.h"
#include "muse/muse.h"
#include "muse/optim/adam.h"

using namespace muse;

namespace {

std::shared_ptr<models::TransformerSeq2Seq> tiny_transformer(double dropout = 0) {
  return std::make_shared<models::TransformerSeq2Seq>(models::TransformerSeq2SeqOptions{
      .source_vocab = 12, .target_vocab = 12, .d_model = 32, .nhead = 4, .num_encoder_layers = 2,
      .num_decoder_layers = 2, .dim_feedforward = 64, .dropout = dropout, .max_len = 16});
}

Tensor ids(const std::vector<int64_t>& v, Shape shape) { return from_vector(v, shape, {.dtype = kInt64}); }

// 16 sources of 5 tokens in 4..11 and targets <bos> reversed source <eos> (B, 7).
struct ReverseTask {
  Tensor src, lengths, reversed, tgt;
  ReverseTask() {
    src = randint(4, 12, {16, 5});
    lengths = full({16}, 5, {.dtype = kInt64});
    reversed = index_select(src, 1, ids({4, 3, 2, 1, 0}, {5}));
    tgt = cat({full({16, 1}, 1, {.dtype = kInt64}), reversed, full({16, 1}, 2, {.dtype = kInt64})}, 1);
  }
};

std::vector<double> fit(models::TransformerSeq2Seq& net, const ReverseTask& task, int steps) {
  optim::Adam opt(net.parameters(), {.lr = 3e-3});
  std::vector<double> losses;
  for (int step = 0; step < steps; ++step) {
    Tensor logits = net.forward(task.src, task.lengths, task.tgt.narrow(1, 0, 6));  // (B, 6, V)
    Tensor loss = models::seq2seq_loss(logits, task.tgt.narrow(1, 1, 6));
    opt.zero_grad();
    loss.backward();
    opt.step();
    losses.push_back(loss.item());
  }
  return losses;
}

}  // namespace

TEST_CASE("transformer_seq2seq reverses 16 sequences: cross-entropy from > 2 to < 0.05 in 80 steps; greedy = beam 1 = one by one") {
  manual_seed(0);
  ReverseTask task;
  auto net = tiny_transformer();
  std::vector<double> losses = fit(*net, task, 80);
  CHECK(losses.front() > 2);
  CHECK(losses.back() < 0.05);
  std::vector<std::vector<int64_t>> greedy = net->greedy(task.src, task.lengths);
  int correct = 0;
  for (int64_t b = 0; b < 16; ++b) {
    std::vector<int64_t> source = task.src[b].to_vector<int64_t>();
    correct += greedy[b] == task.reversed[b].to_vector<int64_t>();
    CHECK(net->beam_search(source, {.beam = 1, .alpha = 0}) == greedy[b]);
    CHECK(net->greedy(task.src.narrow(0, b, 1), task.lengths.narrow(0, b, 1))[0] == greedy[b]);
  }
  CHECK(correct == 16);
  CHECK(net->beam_search(task.src[0].to_vector<int64_t>(), {.beam = 3}) == greedy[0]);
}

TEST_CASE("transformer_seq2seq trains deterministically for a seed, dropout included") {
  auto run = [](uint64_t seed) {
    manual_seed(seed);
    ReverseTask task;
    auto net = tiny_transformer(0.1);
    return fit(*net, task, 3);
  };
  std::vector<double> a = run(7), b = run(7);
  CHECK(a == b);
  CHECK(a != run(8));
}

TEST_CASE("transformer_seq2seq: padding after a source's or target's length changes nothing") {
  manual_seed(2);
  auto net = tiny_transformer();
  net->eval();
  NoGradGuard no_grad;
  // Sentence 0 alone: source of 3 tokens, decoder input of 3.
  Tensor alone = net->forward(ids({5, 6, 7}, {1, 3}), full({1}, 3, {.dtype = kInt64}), ids({1, 4, 8}, {1, 3}));
  // In a batch beside a longer sentence, its source padded with tokens that must be ignored, its target
  // padded with <pad>.
  Tensor src = ids({5, 6, 7, 9, 11, 4, 5, 6, 7, 8}, {2, 5});
  Tensor tgt = ids({1, 4, 8, 0, 0, 1, 9, 10, 11, 4}, {2, 5});
  Tensor batched = net->forward(src, ids({3, 5}, {2}), tgt);  // (2, 5, V)
  CHECK(batched.shape() == Shape{2, 5, 12});
  CHECK(allclose(batched.narrow(0, 0, 1).narrow(1, 0, 3), alone, 1e-5, 1e-6));
  // Batched greedy decoding of sentences of different lengths (through the tools' interface) = one
  // sentence at a time.
  models::Translator& translator = *net;
  std::vector<std::vector<int64_t>> both = translator.greedy(src, ids({3, 5}, {2}), 8);
  CHECK(both[0] == net->greedy(ids({5, 6, 7}, {1, 3}), full({1}, 3, {.dtype = kInt64}), 8)[0]);
  CHECK(both[1] == net->greedy(src.narrow(0, 1, 1), full({1}, 5, {.dtype = kInt64}), 8)[0]);
  CHECK(both[0].size() <= 8);
}

TEST_CASE("transformer_seq2seq: PyTorch's parameter names, and the options' shapes") {
  auto net = tiny_transformer();
  std::vector<std::string> names;
  for (const auto& [name, p] : net->named_parameters()) names.push_back(name);
  for (const char* key : {"src_tok_emb.weight", "tgt_tok_emb.weight", "transformer.encoder.layers.1.self_attn.in_proj_weight",
                          "transformer.encoder.norm.weight", "transformer.decoder.layers.0.multihead_attn.out_proj.weight",
                          "transformer.decoder.norm.bias", "generator.weight", "generator.bias"})
    CHECK_MESSAGE(std::find(names.begin(), names.end(), key) != names.end(), key);
  CHECK(net->named_buffers().size() == 1);  // positional_encoding.pe
  // Embedding rows ~ N(0, 1 / d_model), <pad>'s row zero.
  Tensor emb = net->state_dict()[1].second;  // tgt_tok_emb.weight (12, 32)
  CHECK(net->state_dict()[1].first == "tgt_tok_emb.weight");
  CHECK(emb[0].abs().max().item() == 0);
  CHECK(emb.narrow(0, 1, 11).pow(2).mean().item() == doctest::Approx(1.0 / 32).epsilon(0.3));
}

TEST_CASE("transformer_seq2seq: bad inputs are errors naming the model and the shapes") {
  auto net = tiny_transformer();
  Tensor src = ids({5, 6, 7}, {1, 3}), len = full({1}, 3, {.dtype = kInt64});
  CHECK_THROWS_WITH_AS(net->forward(src, len, zeros({2, 3}, {.dtype = kInt64})),
                       doctest::Contains("TransformerSeq2Seq: expected target_in (B, T) with the source's batch 1, got (2, 3)"), Error);
  CHECK_THROWS_WITH_AS(net->forward(ids({5, 6, 7}, {3}), len, src),
                       doctest::Contains("TransformerSeq2Seq::encode: expected source (B, S), got (3,)"), Error);
  CHECK_THROWS_WITH_AS(net->forward(src, full({2}, 3, {.dtype = kInt64}), src),
                       doctest::Contains("TransformerSeq2Seq::encode: expected lengths (B,) for source (1, 3), got (2,)"), Error);
  CHECK_THROWS_WITH_AS(net->forward(zeros({1, 17}, {.dtype = kInt64}), full({1}, 17, {.dtype = kInt64}), src),
                       doctest::Contains("TransformerSeq2Seq: sequences of at most max_len = 16 tokens, got (1, 17)"), Error);
  CHECK_THROWS_WITH_AS(net->beam_search({}), doctest::Contains("TransformerSeq2Seq::beam_search: the source sentence is empty"), Error);
  CHECK_THROWS_WITH_AS(net->beam_search({5}, {.beam = 0}), doctest::Contains("TransformerSeq2Seq::beam_search: beam must be >= 1, got 0"), Error);
  CHECK_THROWS_WITH_AS(models::TransformerSeq2Seq({.d_model = 30, .nhead = 4}),
                       doctest::Contains("TransformerSeq2Seq: d_model must be a positive multiple of nhead, got d_model 30 and nhead 4"), Error);
}
