// LuongAttention (dot, general) and BahdanauAttention against a direct PyTorch 1.13 computation of
// their formulas with a key padding mask (rnn_reference.h): context, weights and every gradient; float64
// gradchecks; one-step (B, Hq) queries against the T-step form; printing, keys, and errors.
#include <doctest/doctest.h>

#include "muse/gradcheck.h"
#include "muse/nn/layers.h"
#include "rnn_case.h"

using namespace muse;
using namespace muse::nn;
using doctest::Contains;
namespace ref = rnn_reference;

namespace {

// The mask of the reference cases: sequence 0 has 2 real positions of 4, sequence 1 has 3.
Tensor reference_mask() { return tensor({{0, 0, 1, 1}, {0, 0, 0, 1}}).to(kBool); }

void check_case(const ref::Case& c, Module& attention, DType dtype,
                const std::function<AttentionOutput(const Tensor&, const Tensor&, const Tensor&)>& forward) {
  rnn_case::load(attention, c, dtype);
  Tensor q = rnn_case::input(c, "query", dtype), k = rnn_case::input(c, "keys", dtype);
  AttentionOutput y = forward(q, k, reference_mask());
  rnn_case::check(c, &attention, {{"query", q}, {"keys", k}}, {{"context", y.context}, {"weights", y.weights}},
                  dtype == kFloat64 ? 1e-10 : 1e-5);
}

}  // namespace

TEST_CASE("LuongAttention and BahdanauAttention match PyTorch with a key padding mask") {
  for (DType dtype : {kFloat64, kFloat32}) {
    CAPTURE(dtype);
    LuongAttention dot(3);
    check_case(ref::luong_dot, dot, dtype, [&](auto q, auto k, auto m) { return dot.forward(q, k, m); });
    LuongAttention general(3, LuongScore::General);
    check_case(ref::luong_general, general, dtype, [&](auto q, auto k, auto m) { return general.forward(q, k, m); });
    BahdanauAttention bahdanau(2, 3, 5);
    check_case(ref::bahdanau, bahdanau, dtype, [&](auto q, auto k, auto m) { return bahdanau.forward(q, k, m); });
  }
}

TEST_CASE("attention: padding gets weight 0, rows sum to 1, one step equals the T-step form") {
  LuongAttention general(3, LuongScore::General);
  Tensor q = randn({2, 3, 3}), k = randn({2, 4, 3});
  AttentionOutput y = general.forward(q, k, reference_mask());
  CHECK(y.context.shape() == Shape{2, 3, 3});
  CHECK(y.weights.shape() == Shape{2, 3, 4});
  CHECK(equal(y.weights[0].slice(1, 2), zeros({3, 2})));
  CHECK(allclose(y.weights.sum({2}), ones({2, 3})));
  AttentionOutput one = general.forward(q.select(1, 1), k, reference_mask());
  CHECK(one.context.shape() == Shape{2, 3});
  CHECK(allclose(one.context, y.context.select(1, 1), 1e-5, 1e-6));
  CHECK(allclose(one.weights, y.weights.select(1, 1), 1e-5, 1e-6));
  BahdanauAttention bahdanau(3, 3, 4);
  Tensor full = bahdanau.forward(q, k).weights;  // no mask: every position counts
  CHECK(allclose(bahdanau.forward(q.select(1, 2), k).weights, full.select(1, 2), 1e-5, 1e-6));
  CHECK((full > 0).to(kInt64).sum().item() == full.numel());
  // Keys projected once by the caller (a decoder's every step) give the very same result.
  Tensor projected = bahdanau.project_keys(k);  // (B, S, A)
  CHECK(projected.shape() == Shape{2, 4, 4});
  AttentionOutput fresh = bahdanau.forward(q.select(1, 0), k, reference_mask());
  AttentionOutput kept = bahdanau.forward(q.select(1, 0), k, reference_mask(), projected);
  CHECK(equal(kept.context, fresh.context));
  CHECK(equal(kept.weights, fresh.weights));
}

TEST_CASE("gradcheck LuongAttention and BahdanauAttention over query, keys and parameters (float64)") {
  using V = std::vector<Tensor>;
  auto leaf = [](const Shape& s, uint64_t seed) {
    Generator g(seed);
    return randn(s, {.dtype = kFloat64, .requires_grad = true}, g);
  };
  Tensor mask = reference_mask();
  LuongAttention general(3, LuongScore::General);
  general.to(kFloat64);
  CHECK(gradcheck([&](const V& v) {
    AttentionOutput y = general.forward(v[0], v[1], mask);
    return cat({y.context.flatten(), y.weights.flatten()});
  }, {leaf({2, 2, 3}, 1), leaf({2, 4, 3}, 2), general.linear_in->weight}));
  BahdanauAttention bahdanau(2, 3, 4);
  bahdanau.to(kFloat64);
  V inputs{leaf({2, 2}, 3), leaf({2, 4, 3}, 4)};
  for (const Tensor& p : bahdanau.parameters()) inputs.push_back(p);
  CHECK(gradcheck([&](const V& v) {
    AttentionOutput y = bahdanau.forward(v[0], v[1], mask);
    return cat({y.context.flatten(), y.weights.flatten()});
  }, inputs));
}

TEST_CASE("attention: state_dict keys, initialisation order and printing") {
  auto keys = [](const Module& m) {
    std::vector<std::string> out;
    for (const auto& [name, t] : m.state_dict()) out.push_back(name);
    return out;
  };
  CHECK(keys(LuongAttention(4)).empty());
  CHECK(keys(LuongAttention(4, LuongScore::General)) == std::vector<std::string>{"linear_in.weight"});
  Generator g(5), expected(5);
  BahdanauAttention b(2, 3, 4, g);
  CHECK(keys(b) == std::vector<std::string>{"query_proj.weight", "key_proj.weight", "key_proj.bias", "v.weight"});
  Linear q(2, 4, false, expected), k(3, 4, true, expected), v(4, 1, false, expected);
  CHECK(equal(b.query_proj->weight.detach(), q.weight.detach()));
  CHECK(equal(b.key_proj->bias.detach(), k.bias.detach()));
  CHECK(equal(b.v->weight.detach(), v.weight.detach()));
  CHECK(repr(LuongAttention(4)) == "LuongAttention(hidden_size=4, score=dot)");
  CHECK(repr(b) ==
        "BahdanauAttention(\n  query_size=2, key_size=3, attention_size=4\n"
        "  (query_proj): Linear(in_features=2, out_features=4, bias=False)\n"
        "  (key_proj): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (v): Linear(in_features=4, out_features=1, bias=False)\n)");
}

TEST_CASE("attention errors name the module and the shapes") {
  LuongAttention dot(3);
  Tensor q = zeros({2, 3}), k = zeros({2, 4, 3});
  CHECK_THROWS_WITH_AS(dot.forward(zeros({2, 2}), k), Contains("LuongAttention(hidden_size=3, score=dot): expected query (B, 3) or (B, T, 3), got (2, 2)"), Error);
  CHECK_THROWS_WITH_AS(dot.forward(q, zeros({3, 4, 3})), Contains("expected keys (B, S, 3) with B = 2 as the query (2, 3), got (3, 4, 3)"), Error);
  CHECK_THROWS_WITH_AS(dot.forward(q, zeros({2, 0, 3})), Contains("keys (2, 0, 3) have no source positions"), Error);
  CHECK_THROWS_WITH_AS(dot.forward(q, k.to(kFloat64)), Contains("query and keys must be float32 alike, got float32 and float64"), Error);
  CHECK_THROWS_WITH_AS(dot.forward(Tensor(), k), Contains("got an undefined query or keys"), Error);
  CHECK_THROWS_WITH_AS(dot.forward(q, k, zeros({2, 4})), Contains("key_padding_mask must be bool of shape (B, S) = (2, 4), got float32 of shape (2, 4)"), Error);
  CHECK_THROWS_WITH_AS(dot.forward(q, k, zeros({2, 3}, {.dtype = kBool})), Contains("got bool of shape (2, 3)"), Error);
  Tensor all_padding = tensor({{0, 1, 0, 0}, {1, 1, 1, 1}}).to(kBool);
  CHECK_THROWS_WITH_AS(dot.forward(q, k, all_padding), Contains("key_padding_mask marks every source position of sequence 1 as padding"), Error);
  BahdanauAttention b(2, 3, 4);
  CHECK_THROWS_WITH_AS(b.forward(q, k), Contains("BahdanauAttention(query_size=2, key_size=3, attention_size=4): expected query (B, 2) or (B, T, 2), got (2, 3)"), Error);
  CHECK_THROWS_WITH_AS(b.forward(zeros({2, 2}, {.dtype = kFloat64}), k.to(kFloat64)), Contains("query and keys must be float32 as the module's weights, got float64 and float64"), Error);
  CHECK_THROWS_WITH_AS(b.forward(zeros({2, 2}), k, {}, zeros({2, 4, 3})),
                       Contains("projected_keys must be (B, S, attention_size) = (2, 4, 4), got (2, 4, 3)"), Error);
  CHECK_THROWS_WITH_AS(LuongAttention(0), Contains("LuongAttention: hidden_size must be positive, got 0"), Error);
  CHECK_THROWS_WITH_AS(BahdanauAttention(2, 3, 0), Contains("BahdanauAttention: query_size, key_size and attention_size must be positive, got 2, 3 and 0"), Error);
}
