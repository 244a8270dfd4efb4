// MultiheadAttention: outputs, attention weights and every gradient against PyTorch 1.13
// (transformer_reference.h, made by make_transformer_reference.py; weights loaded under PyTorch's keys)
// in float64 and float32, with bool and float masks, per-head and averaged weights, batch_first and
// unbatched inputs; the fused path (need_weights = false) against the composite one; a float64
// gradcheck; keys, initialisation, dropout and every error message.
#include <doctest/doctest.h>

#include <cmath>

#include "muse/gradcheck.h"
#include "muse/nn/layers.h"
#include "transformer_case.h"

using namespace muse;
using namespace muse::nn;
using namespace transformer_case;
using doctest::Contains;

TEST_CASE("MultiheadAttention matches PyTorch: time-major, distinct query, key and value, averaged weights") {
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    MultiheadAttention m(8, 2);
    rnn_case::load(m, ref::mha, dtype);
    Tensor q = input(ref::mha, "query", dtype), k = input(ref::mha, "key", dtype), v = input(ref::mha, "value", dtype);
    MultiheadAttentionOutput y = m.forward(q, k, v);
    CHECK(y.weights.shape() == Shape{2, 3, 4});
    rnn_case::check(ref::mha, &m, {{"query", q}, {"key", k}, {"value", v}},
                    {{"output", y.output}, {"weights", y.weights}}, tolerance(dtype));
  }
}

TEST_CASE("MultiheadAttention matches PyTorch: self-attention, bool causal attn_mask and padding, fused path") {
  const ref::Case& c = ref::mha_self_masked;
  Tensor padding = bool_mask(c, "key_padding_mask");
  Tensor causal = causal_mask(4);
  for (DType dtype : kDtypes) {
    for (bool flag : {false, true}) {  // the mask given as attn_mask, or as is_causal
      CAPTURE(dtype);
      CAPTURE(flag);
      MultiheadAttention m(8, 2, {.batch_first = true});
      rnn_case::load(m, c, dtype);
      Tensor x = input(c, "x", dtype);
      Tensor y = m.forward(x, x, x, padding, false, flag ? Tensor() : causal, true, flag).output;
      rnn_case::check(c, &m, {{"x", x}}, {{"output", y}}, tolerance(dtype));
    }
  }
}

TEST_CASE("MultiheadAttention matches PyTorch: cross-attention, float per-head attn_mask, padding, per-head weights") {
  const ref::Case& c = ref::mha_cross_heads;
  Tensor padding = bool_mask(c, "key_padding_mask");
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    MultiheadAttention m(8, 2);
    rnn_case::load(m, c, dtype);
    Tensor q = input(c, "query", dtype), memory = input(c, "memory", dtype), attn = input(c, "attn_mask", dtype);
    MultiheadAttentionOutput y = m.forward(q, memory, memory, padding, true, attn, false);
    CHECK(y.weights.shape() == Shape{2, 2, 3, 5});
    rnn_case::check(c, &m, {{"query", q}, {"memory", memory}}, {{"output", y.output}, {"weights", y.weights}},
                    tolerance(dtype));
  }
}

TEST_CASE("MultiheadAttention matches PyTorch: no biases, batch_first, float key_padding_mask") {
  const ref::Case& c = ref::mha_no_bias;
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    MultiheadAttention m(8, 2, {.bias = false, .batch_first = true});
    CHECK(names(m) == std::vector<std::string>{"in_proj_weight", "out_proj.weight"});
    rnn_case::load(m, c, dtype);
    Tensor q = input(c, "query", dtype), k = input(c, "key", dtype), v = input(c, "value", dtype);
    MultiheadAttentionOutput y = m.forward(q, k, v, input(c, "key_padding_mask", dtype));
    rnn_case::check(c, &m, {{"query", q}, {"key", k}, {"value", v}}, {{"output", y.output}, {"weights", y.weights}},
                    tolerance(dtype));
  }
}

TEST_CASE("MultiheadAttention: the fused path equals the composite one; unbatched inputs give the batched rows") {
  Generator gen(3);
  MultiheadAttention m(12, 3, {}, gen);
  m.to(kFloat64);
  Tensor q = randn({4, 2, 12}, {.dtype = kFloat64}, gen), kv = randn({6, 2, 12}, {.dtype = kFloat64}, gen);
  Tensor padding = tensor({0, 0, 1, 0, 0, 1}, {.dtype = kBool}).reshape({1, 6}).expand({2, 6}).contiguous();
  Tensor attn = randn({4, 6}, {.dtype = kFloat64}, gen);
  for (const Tensor& mask : {Tensor(), attn, attn > 0.5}) {
    Tensor composite = m.forward(q, kv, kv, padding, true, mask).output;
    Tensor fused = m.forward(q, kv, kv, padding, false, mask).output;
    CHECK(allclose(fused, composite, 1e-12, 1e-12));
  }
  MultiheadAttentionOutput batched = m.forward(q, kv, kv, {}, true, attn);
  MultiheadAttentionOutput one = m.forward(q.select(1, 1), kv.select(1, 1), kv.select(1, 1), {}, true, attn);
  CHECK(one.output.shape() == Shape{4, 12});
  CHECK(allclose(one.output, batched.output.select(1, 1), 1e-12, 1e-12));
  CHECK(allclose(one.weights, batched.weights[1], 1e-12, 1e-12));
  Tensor causal = m.forward(q, q, q, {}, true, {}, true, true).weights;  // (N, L, L), zero above the diagonal
  CHECK(equal(causal.masked_fill(causal_mask(4), 0.0), causal));
}

TEST_CASE("MultiheadAttention: a query that may attend to no key gives weights 0, output out_proj.bias, no NaN") {
  MultiheadAttention m(4, 2);
  { NoGradGuard g; m.out_proj->bias.uniform_(-1, 1); }
  Tensor x = randn({2, 1, 4}).requires_grad_();
  Tensor all = tensor({1, 1}, {.dtype = kBool}).reshape({1, 2});
  Tensor some = tensor({0, 1}, {.dtype = kBool}).reshape({2, 1});  // attn_mask (L, S): query 1 sees no key ...
  Tensor minus_inf = full({2, 2}, -INFINITY).masked_fill(logical_not(some), 0.0);  // ... or a float mask
  for (bool need_weights : {true, false}) {
    CAPTURE(need_weights);
    MultiheadAttentionOutput y = m.forward(x, x, x, all, need_weights);
    CHECK(allclose(y.output, m.out_proj->bias.expand({2, 1, 4})));
    if (need_weights) CHECK(equal(y.weights, zeros({1, 2, 2})));
    y.output.sum().backward();
    CHECK(equal(x.grad(), x.grad()));  // no NaN
    x.mutable_grad() = Tensor();
    Tensor bool_out = m.forward(x, x, x, {}, need_weights, some.expand({2, 2})).output;
    CHECK(allclose(bool_out.select(0, 1), m.out_proj->bias.unsqueeze(0)));
    if (!need_weights) continue;  // a float -inf row's gradient is the fused kernel's business
    Tensor float_out = m.forward(x, x, x, {}, need_weights, minus_inf).output;
    CHECK(allclose(float_out, bool_out));
    float_out.sum().backward();
    CHECK(equal(x.grad(), x.grad()));
    x.mutable_grad() = Tensor();
  }
}

TEST_CASE("gradcheck MultiheadAttention over inputs and parameters (float64), with masks and both paths") {
  using V = std::vector<Tensor>;
  Generator gen(5);
  auto leaf = [&](const Shape& s) { return randn(s, {.dtype = kFloat64, .requires_grad = true}, gen); };
  MultiheadAttention m(6, 2, {.batch_first = true}, gen);
  m.to(kFloat64);
  V inputs = {leaf({2, 3, 6}), leaf({2, 4, 6}), leaf({2, 4, 6})};
  for (const Tensor& p : m.parameters()) inputs.push_back(p);
  Tensor padding = tensor({0, 0, 0, 1, 0, 1, 0, 0}, {.dtype = kBool}).reshape({2, 4});
  Tensor attn = randn({3, 4}, {.dtype = kFloat64}, gen);
  for (bool need_weights : {true, false}) {
    CAPTURE(need_weights);
    CHECK(gradcheck([&](const V& v) {
      MultiheadAttentionOutput y = m.forward(v[0], v[1], v[2], padding, need_weights, attn, false);
      return need_weights ? cat({y.output.flatten(), y.weights.flatten()}) : y.output;
    }, inputs));
  }
  CHECK(gradcheck([&](const V& v) { return m.forward(v[0], v[0], v[0], {}, false, {}, true, true).output; },
                  {inputs[0], inputs[3], inputs[4]}));
}

TEST_CASE("MultiheadAttention: PyTorch's keys, initialisation and printing; dropout only while training") {
  MultiheadAttention m(8, 2, {.dropout = 0.5});
  CHECK(names(m) == std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"});
  CHECK(m.in_proj_weight.shape() == Shape{24, 8});
  double bound = std::sqrt(6.0 / (8 + 24));  // xavier_uniform of a (3E, E) matrix
  CHECK(max(abs(m.in_proj_weight)).item() <= bound);
  CHECK(max(abs(m.in_proj_weight)).item() > 0.8 * bound);
  CHECK(equal(m.in_proj_bias, zeros({24})));
  CHECK(equal(m.out_proj->bias, zeros({8})));
  CHECK(repr(m) == "MultiheadAttention(\n  (out_proj): Linear(in_features=8, out_features=8, bias=True)\n)");
  Tensor x = randn({3, 2, 8});
  m.eval();
  Tensor a = m.forward(x, x, x).output, b = m.forward(x, x, x, {}, false).output;
  CHECK(allclose(a, b, 1e-5, 1e-6));
  m.train();
  for (bool need_weights : {true, false}) {
    MultiheadAttentionOutput y = m.forward(x, x, x, {}, need_weights);
    CHECK(!allclose(y.output, a));
  }
}

TEST_CASE("MultiheadAttention errors name the layer and the shapes") {
  CHECK_THROWS_WITH_AS(MultiheadAttention(10, 3), Contains("MultiheadAttention: embed_dim 10 must be divisible by num_heads 3"),
                       Error);
  CHECK_THROWS_WITH_AS(MultiheadAttention(8, 0), Contains("must be positive, got 8 and 0"), Error);
  CHECK_THROWS_WITH_AS(MultiheadAttention(8, 2, {.dropout = 1}), Contains("dropout must be in [0, 1)"), Error);
  MultiheadAttention m(8, 2);
  Tensor q = randn({3, 2, 8}), kv = randn({5, 2, 8});
  const char* who = "MultiheadAttention(embed_dim=8, num_heads=2): ";
  CHECK_THROWS_WITH_AS(m.forward(q, randn({5, 2, 6}), kv), Contains(str(who, "query, key and value must end in embed_dim 8").c_str()),
                       Error);
  CHECK_THROWS_WITH_AS(m.forward(q, randn({5, 3, 8}), randn({5, 3, 8})), Contains("disagree on the batch size"), Error);
  CHECK_THROWS_WITH_AS(m.forward(q, kv, randn({4, 2, 8})), Contains("(5, 2, 8) and value (4, 2, 8)"), Error);
  CHECK_THROWS_WITH_AS(m.forward(q, kv.select(1, 0), kv), Contains("all 3-D (batched) or all 2-D"), Error);
  CHECK_THROWS_WITH_AS(m.forward(q, kv, kv, ones({5, 2}, {.dtype = kBool})),
                       Contains(str(who, "key_padding_mask must be (N, S) = (2, 5), got (5, 2)").c_str()), Error);
  CHECK_THROWS_WITH_AS(m.forward(q, kv, kv, {}, true, ones({5, 3})),
                       Contains("attn_mask must be (L, S) = (3, 5) or (N * num_heads, L, S) = (4, 3, 5), got (5, 3)"),
                       Error);
  CHECK_THROWS_WITH_AS(m.forward(q, kv, kv, {}, true, ones({3, 5}, {.dtype = kInt64})),
                       Contains("masks must be bool or floating"), Error);
  CHECK_THROWS_WITH_AS(m.forward(q.to(kFloat64), kv, kv), Contains("inputs are float64 but the weights are float32"), Error);
}
