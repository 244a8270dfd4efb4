// TransformerEncoderLayer, TransformerDecoderLayer and their stacks against PyTorch 1.13
// (transformer_reference.h, made by make_transformer_reference.py): post- and pre-norm, relu and gelu,
// time-major and batch_first, bool and float masks, outputs and every gradient in float64 and float32;
// generate_square_subsequent_mask, the positional encodings, keys, dropout and the error messages.
#include <doctest/doctest.h>

#include <cmath>

#include "muse/nn/layers.h"
#include "transformer_case.h"

using namespace muse;
using namespace muse::nn;
using namespace transformer_case;
using doctest::Contains;

namespace {

// The options of the reference layers: feedforward 16, no dropout.
TransformerLayerOptions small(TransformerLayerOptions o = {}) {
  o.dim_feedforward = 16;
  o.dropout = 0;
  return o;
}

}  // namespace

TEST_CASE("TransformerEncoderLayer matches PyTorch: post-norm relu (masks) and pre-norm gelu (batch_first)") {
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    const ref::Case& c = ref::encoder_layer;
    for (bool flag : {false, true}) {  // the causal mask as src_mask, or as is_causal
      TransformerEncoderLayer layer(8, 2, small());
      rnn_case::load(layer, c, dtype);
      Tensor src = input(c, "src", dtype);
      Tensor y = layer.forward(src, flag ? Tensor() : causal_mask(4), bool_mask(c, "src_key_padding_mask"), flag);
      rnn_case::check(c, &layer, {{"src", src}}, {{"output", y}}, tolerance(dtype));
    }
    const ref::Case& p = ref::encoder_layer_pre_gelu;
    TransformerEncoderLayer pre(8, 2, small({.activation = "gelu", .batch_first = true, .norm_first = true}));
    rnn_case::load(pre, p, dtype);
    Tensor src = input(p, "src", dtype);
    rnn_case::check(p, &pre, {{"src", src}}, {{"output", pre.forward(src)}}, tolerance(dtype));
  }
}

TEST_CASE("TransformerDecoderLayer matches PyTorch: post-norm relu (float tgt_mask) and pre-norm gelu (bool masks)") {
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    const ref::Case& c = ref::decoder_layer;
    TransformerDecoderLayer layer(8, 2, small());
    rnn_case::load(layer, c, dtype);
    Tensor tgt = input(c, "tgt", dtype), memory = input(c, "memory", dtype);
    Tensor y = layer.forward(tgt, memory, generate_square_subsequent_mask(3, {.dtype = dtype}), {}, {},
                             bool_mask(c, "memory_key_padding_mask"));
    rnn_case::check(c, &layer, {{"tgt", tgt}, {"memory", memory}}, {{"output", y}}, tolerance(dtype));

    const ref::Case& p = ref::decoder_layer_pre_gelu;
    TransformerDecoderLayer pre(8, 2, small({.activation = "gelu", .batch_first = true, .norm_first = true}));
    rnn_case::load(pre, p, dtype);
    tgt = input(p, "tgt", dtype), memory = input(p, "memory", dtype);
    y = pre.forward(tgt, memory, {}, bool_mask(p, "memory_mask"), bool_mask(p, "tgt_key_padding_mask"));
    rnn_case::check(p, &pre, {{"tgt", tgt}, {"memory", memory}}, {{"output", y}}, tolerance(dtype));
  }
}

TEST_CASE("TransformerEncoder and TransformerDecoder (2 layers, final norm) match PyTorch under its keys") {
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    const ref::Case& c = ref::encoder;
    TransformerEncoder encoder(8, 2, 2, small(), true);
    rnn_case::load(encoder, c, dtype);
    Tensor src = input(c, "src", dtype);
    Tensor y = encoder.forward(src, {}, bool_mask(c, "src_key_padding_mask"));
    rnn_case::check(c, &encoder, {{"src", src}}, {{"output", y}}, tolerance(dtype));

    const ref::Case& d = ref::decoder;
    TransformerDecoder decoder(8, 2, 2, small({.batch_first = true, .norm_first = true}), true);
    rnn_case::load(decoder, d, dtype);
    Tensor tgt = input(d, "tgt", dtype), memory = input(d, "memory", dtype);
    y = decoder.forward(tgt, memory, {}, {}, {}, {}, true);
    rnn_case::check(d, &decoder, {{"tgt", tgt}, {"memory", memory}}, {{"output", y}}, tolerance(dtype));
  }
}

TEST_CASE("Transformer layers: PyTorch's state_dict keys; layers drawn independently; dropout while training") {
  TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16, .bias = false});
  CHECK(names(layer) == std::vector<std::string>{"self_attn.in_proj_weight", "self_attn.out_proj.weight", "linear1.weight",
                                                 "linear2.weight", "norm1.weight", "norm2.weight"});
  TransformerDecoder decoder(8, 2, 2, {.dim_feedforward = 16});
  std::vector<std::string> keys = names(decoder);
  CHECK(keys.size() == 2 * 18);
  CHECK(keys[0] == "layers.0.self_attn.in_proj_weight");
  CHECK(keys[4] == "layers.0.multihead_attn.in_proj_weight");
  CHECK(keys[17] == "layers.0.norm3.bias");
  CHECK(keys[35] == "layers.1.norm3.bias");
  CHECK(!equal(decoder.layers[0]->linear1->weight, decoder.layers[1]->linear1->weight));
  CHECK(repr(decoder).find("(layers): ModuleList(") != std::string::npos);

  Generator gen(7);
  TransformerEncoder encoder(8, 2, 2, {.dim_feedforward = 16, .dropout = 0.3}, false, gen);
  Tensor x = randn({5, 2, 8}, {}, gen);
  encoder.eval();
  Tensor a = encoder.forward(x), b = encoder.forward(x);
  CHECK(equal(a, b));
  encoder.train();
  CHECK(!allclose(encoder.forward(x), a));
}

TEST_CASE("generate_square_subsequent_mask is 0 on and below the diagonal, -inf above") {
  Tensor m = generate_square_subsequent_mask(3);
  CHECK(m.dtype() == kFloat32);
  std::vector<float> v = m.to_vector<float>();
  const float inf = INFINITY;
  CHECK(v == std::vector<float>{0, -inf, -inf, 0, 0, -inf, 0, 0, 0});
  CHECK(generate_square_subsequent_mask(2, {.dtype = kFloat64}).dtype() == kFloat64);
  CHECK_THROWS_WITH_AS(generate_square_subsequent_mask(-1), Contains("generate_square_subsequent_mask: T must be"), Error);
}

TEST_CASE("SinusoidalPositionalEncoding: pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(...), added at an offset") {
  SinusoidalPositionalEncoding pos(5, {.max_len = 6});
  CHECK(names(pos) == std::vector<std::string>{"pe"});
  CHECK(pos.pe.shape() == Shape{6, 5});
  std::vector<float> pe = pos.pe.to_vector<float>();
  for (int64_t p : {0, 1, 5}) {
    CAPTURE(p);
    double w1 = std::pow(10000.0, -2.0 / 5), w2 = std::pow(10000.0, -4.0 / 5);
    std::vector<double> want = {std::sin(p), std::cos(p), std::sin(p * w1), std::cos(p * w1), std::sin(p * w2)};
    for (int64_t j = 0; j < 5; ++j) CHECK(pe[p * 5 + j] == doctest::Approx(want[j]).epsilon(1e-6));
  }
  Tensor x = randn({3, 2, 5});
  Tensor y = pos.forward(x, 2);  // positions 2, 3, 4 along dim 0
  CHECK(allclose(y, x + pos.pe.narrow(0, 2, 3).unsqueeze(1)));
  SinusoidalPositionalEncoding first(5, {.max_len = 6, .batch_first = true});
  CHECK(allclose(first.forward(x), x + pos.pe.narrow(0, 0, 2)));  // x read as (N = 3, T = 2, d)
  CHECK(allclose(pos.forward(x.select(1, 0)), x.select(1, 0) + pos.pe.narrow(0, 0, 3)));
  CHECK_THROWS_WITH_AS(pos.forward(x, 4), Contains("SinusoidalPositionalEncoding(d_model=5, max_len=6): positions [4, 7) exceed max_len 6"),
                       Error);
  CHECK_THROWS_WITH_AS(pos.forward(randn({3, 2, 4})), Contains("with d_model = 5, got (3, 2, 4)"), Error);
}

TEST_CASE("LearnedPositionalEmbedding: weight rows by position, gradients into those rows only") {
  LearnedPositionalEmbedding pos(6, 4);
  CHECK(names(pos) == std::vector<std::string>{"weight"});
  CHECK(equal(pos.forward(3, 2), pos.weight.narrow(0, 2, 3)));
  Tensor positions = tensor({1, 1, 4}, {.dtype = kInt64});
  pos.forward(positions).sum().backward();
  std::vector<float> g = pos.weight.grad().sum({1}).to_vector<float>();
  CHECK(g == std::vector<float>{0, 8, 0, 0, 4, 0});
  CHECK(repr(pos) == "LearnedPositionalEmbedding(6, 4)");
  CHECK_THROWS_WITH_AS(pos.forward(5, 2), Contains("LearnedPositionalEmbedding(6, 4): positions [2, 7) exceed max_len 6"), Error);
  CHECK_THROWS_WITH_AS(pos.forward(tensor({1.0})), Contains("LearnedPositionalEmbedding(6, 4): expected int64 positions, got float32"),
                       Error);
}

TEST_CASE("Transformer layer errors name the layer and the shapes") {
  CHECK_THROWS_WITH_AS(TransformerEncoderLayer(8, 2, {.activation = "tanh"}),
                       Contains("TransformerEncoderLayer: activation must be \"relu\" or \"gelu\", got \"tanh\""), Error);
  CHECK_THROWS_WITH_AS(TransformerDecoderLayer(10, 3), Contains("MultiheadAttention: embed_dim 10 must be divisible by num_heads 3"),
                       Error);
  CHECK_THROWS_WITH_AS(TransformerDecoderLayer(8, 2, {.dropout = -0.1}), Contains("TransformerDecoderLayer: dropout must be in [0, 1)"),
                       Error);
  CHECK_THROWS_WITH_AS(TransformerEncoder(8, 2, 0), Contains("TransformerEncoder: num_layers must be at least 1, got 0"), Error);
  TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16});
  CHECK_THROWS_WITH_AS(layer.forward(randn({4, 2, 8}), causal_mask(3)),
                       Contains("MultiheadAttention(embed_dim=8, num_heads=2): attn_mask must be (L, S) = (4, 4)"), Error);
  TransformerDecoderLayer decoder(8, 2, {.dim_feedforward = 16});
  CHECK_THROWS_WITH_AS(decoder.forward(randn({4, 2, 8}), Tensor()), Contains("TransformerDecoderLayer"), Error);
}
