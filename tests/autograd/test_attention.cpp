// The fused scaled_dot_product_attention against the composite it replaced (attention_reference.h):
// values and gradients at awkward sizes (1, 7, 65, 130: inside one 64-block, just past one, past two)
// with every kind of mask; dropout dropping exactly the composite's elements from the same generator,
// and unbiased on average; the memory claim (O(T), not O(T^2)) from the CPU allocator's peak; edge
// sizes; and every error message.
#include <doctest/doctest.h>

#include <vector>

#include "attention_reference.h"
#include "muse/muse.h"
#include "reference.h"
#include "tensor/allocator.h"

using namespace muse;
using doctest::Contains;
using muse::testing::composite_attention;

namespace {

std::vector<double> vals(const Tensor& t) { return t.detach().to(kFloat64).contiguous().to_vector<double>(); }

struct Case {
  Tensor mask = {};
  bool causal = false;
  double dropout = 0;
};

using Attention = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, double, bool,
                             std::optional<double>, Generator&);

// out and the gradients of sum(out * w) for q, k, v; the dropout generator starts at seed 5.
std::vector<Tensor> run(Attention f, const Tensor& q, const Tensor& k, const Tensor& v, const Case& c, const Tensor& w) {
  Tensor ql = q.detach().requires_grad_(), kl = k.detach().requires_grad_(), vl = v.detach().requires_grad_();
  Generator gen(5);
  Tensor out = f(ql, kl, vl, c.mask, c.dropout, c.causal, std::nullopt, gen);
  (out * w).sum().backward();
  return {out, ql.grad(), kl.grad(), vl.grad()};
}

Tensor composite(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& m, double p, bool causal,
                 std::optional<double> scale, Generator& gen) {
  return composite_attention(q, k, v, m, p, causal, scale, gen);
}

void check_same(const Tensor& q, const Tensor& k, const Tensor& v, const Case& c, double tol) {
  Generator gen(3);
  Shape out_shape = q.shape();
  out_shape[out_shape.size() - 1] = v.size(-1);
  Tensor w = randn(out_shape, {.dtype = q.dtype()}, gen);
  std::vector<Tensor> fused = run(scaled_dot_product_attention, q, k, v, c, w), ref = run(composite, q, k, v, c, w);
  for (size_t i = 0; i < fused.size(); ++i) {
    CAPTURE(i);
    REQUIRE(fused[i].shape() == ref[i].shape());
    CHECK(fused[i].dtype() == q.dtype());
    check_close(fused[i], vals(ref[i]), tol);
  }
}

}  // namespace

TEST_CASE("scaled_dot_product_attention matches the composite, values and gradients") {
  const int64_t B = 2, H = 3, E = 8, Ev = 5;
  for (DType dtype : {kFloat64, kFloat32}) {
    for (auto [L, S] : {std::pair<int64_t, int64_t>{1, 1}, {7, 65}, {65, 7}, {130, 130}, {65, 130}}) {
      CAPTURE(dtype);
      CAPTURE(L);
      CAPTURE(S);
      Generator gen(static_cast<uint64_t>(L * 1000 + S));
      TensorOptions o{.dtype = dtype};
      Tensor q = randn({B, H, L, E}, o, gen), k = randn({B, H, S, E}, o, gen), v = randn({B, H, S, Ev}, o, gen);
      // Bool (L, S) with query row 0 allowed nothing; float (B, 1, L, S); key padding (B, 1, 1, S).
      Tensor allowed = (rand({L, S}, {}, gen) * (arange(L) > 0).to(kFloat32).unsqueeze(1)) > 0.3;
      Tensor bias = randn({B, 1, L, S}, o, gen);
      Tensor padding = (arange(S) < tensor({S, (S + 1) / 2}).unsqueeze(1)).view({B, 1, 1, S});
      double tol = dtype == kFloat64 ? 1e-10 : 2e-4;
      for (const Case& c : {Case{}, Case{.causal = true}, Case{.mask = allowed}, Case{.mask = bias},
                            Case{.mask = padding}, Case{.dropout = 0.3}, Case{.mask = padding, .dropout = 0.2},
                            Case{.causal = true, .dropout = 0.5}}) {
        CAPTURE(c.causal);
        CAPTURE(c.dropout);
        CAPTURE(c.mask.defined());
        check_same(q, k, v, c, tol);
      }
    }
  }
}

TEST_CASE("scaled_dot_product_attention: dropout draws the composite's counters, and is unbiased") {
  Tensor q = randn({2, 5, 3}), k = randn({2, 9, 3}), v = randn({2, 9, 4});
  Generator a(11), b(11);
  Tensor fused = scaled_dot_product_attention(q, k, v, {}, 0.4, false, std::nullopt, a);
  Tensor ref = composite_attention(q, k, v, {}, 0.4, false, std::nullopt, b);
  check_close(fused, vals(ref), 1e-5);
  CHECK(a.offset() == b.offset());  // ceil(2 * 5 * 9 / 4) = 23 counters
  CHECK(a.offset() == 23);
  // E[out] = the output without dropout: 20000 copies of one problem in one call, each its own draws.
  int64_t n = 20000;
  Tensor q1 = randn({1, 4, 4}), k1 = randn({1, 6, 4}), v1 = randn({1, 6, 2});
  Tensor mean = scaled_dot_product_attention(q1.expand({n, 4, 4}), k1.expand({n, 6, 4}), v1.expand({n, 6, 2}), {}, 0.5)
                    .mean({0});
  Tensor exact = scaled_dot_product_attention(q1, k1, v1)[0];
  // One draw of an element has variance sum_j P_j^2 v_j^2 p / (1 - p) <= max v^2 (about 9 here), so the
  // mean of 20000 has a standard deviation below 0.025: 0.1 is 4 of them.
  CHECK((mean - exact).abs().max().item<double>() < 0.1);
}

TEST_CASE("scaled_dot_product_attention keeps O(T) memory, the composite O(T^2)") {
  const int64_t T = 2048, E = 64;
  Tensor q = randn({1, 2, T, E}, {.requires_grad = true}), k = randn({1, 2, T, E}, {.requires_grad = true});
  Tensor v = randn({1, 2, T, E}, {.requires_grad = true}), dout = randn({1, 2, T, E});
  Tensor padding = (arange(T) < 2000).view({1, 1, 1, T});
  const double square = 2.0 * T * T * sizeof(float);  // the scores of both heads
  auto peak = [&](auto attention) {
    q.mutable_grad() = k.mutable_grad() = v.mutable_grad() = Tensor();
    size_t before = cpu_allocator::stats().allocated_bytes;
    cpu_allocator::reset_peak();
    attention(q, k, v, padding).backward(dout);
    return static_cast<double>(cpu_allocator::stats().peak_allocated_bytes - before);
  };
  double fused = peak([](auto&... x) { return scaled_dot_product_attention(x...); });
  double ref = peak([](auto&... x) { return composite_attention(x...); });
  MESSAGE("peak bytes: fused ", fused, ", composite ", ref, ", T^2 scores ", square);
  // out, lse, dout's copy, dq, dk, dv: about 6 (2 T E) floats = 6 MiB here; the scores alone are 32 MiB.
  CHECK(fused < square / 4);
  CHECK(ref > square);
}

TEST_CASE("scaled_dot_product_attention: edge sizes and grad mode") {
  Tensor q = randn({2, 3, 4}, {.requires_grad = true});
  Tensor none = scaled_dot_product_attention(q, zeros({2, 0, 4}), zeros({2, 0, 5}));  // no keys: zeros
  CHECK(none.shape() == Shape{2, 3, 5});
  CHECK(none.abs().sum().item<double>() == 0);
  none.sum().backward();
  CHECK(q.grad().abs().sum().item<double>() == 0);
  CHECK(scaled_dot_product_attention(zeros({2, 0, 4}), randn({2, 3, 4}), randn({2, 3, 5})).shape() == Shape{2, 0, 5});
  CHECK(scaled_dot_product_attention(zeros({0, 3, 4}), randn({0, 3, 4}), randn({0, 3, 5})).shape() == Shape{0, 3, 5});
  // A fully masked row gives 0, not NaN.
  Tensor out = scaled_dot_product_attention(randn({1, 2, 3}), randn({1, 2, 3}), randn({1, 2, 2}),
                                            tensor({{1, 1}, {0, 0}}) > 0.5);
  CHECK(out[0][1].abs().sum().item<double>() == 0);
  NoGradGuard no_grad;
  CHECK_FALSE(scaled_dot_product_attention(q, q, q).requires_grad());
}

TEST_CASE("scaled_dot_product_attention errors") {
  Tensor q = randn({2, 3, 4}), k = randn({2, 5, 4}), v = randn({2, 5, 6});
  auto sdpa = [](const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& m = {}, double p = 0,
                 bool causal = false) { return scaled_dot_product_attention(a, b, c, m, p, causal); };
  CHECK_THROWS_WITH_AS(sdpa(Tensor(), k, v), Contains("scaled_dot_product_attention"), Error);
  CHECK_THROWS_WITH_AS(sdpa(q.to(kInt64), k.to(kInt64), v.to(kInt64)), Contains("scaled_dot_product_attention"), Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k.to(kFloat64), v), Contains("scaled_dot_product_attention"), Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k[0], v),
                       Contains("scaled_dot_product_attention: expected query (..., L, E), key (..., S, E) and value "
                                "(..., S, Ev) with the same dims, got (2, 3, 4), (5, 4) and (2, 5, 6)"),
                       Error);
  CHECK_THROWS_WITH_AS(sdpa(q[0][0], k[0][0], v[0][0]), Contains("with the same dims, got (4,)"), Error);
  CHECK_THROWS_WITH_AS(sdpa(q, randn({2, 5, 3}), v),
                       Contains("scaled_dot_product_attention: query (2, 3, 4), key (2, 5, 3) and value (2, 5, 6) "
                                "disagree on E or S"),
                       Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k, randn({2, 4, 6})), Contains("disagree on E or S"), Error);
  CHECK_THROWS_WITH_AS(sdpa(q, randn({1, 5, 4}), randn({1, 5, 6})),
                       Contains("scaled_dot_product_attention: batch dims differ: query (2, 3, 4), key (1, 5, 4)"),
                       Error);
  Tensor allowed = ones({3, 5}) > 0;
  CHECK_THROWS_WITH_AS(sdpa(q, k, v, allowed, 0, true),
                       Contains("scaled_dot_product_attention: give either attn_mask or is_causal, not both"), Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k, v, {}, 1.0), Contains("scaled_dot_product_attention: dropout_p must be in [0, 1), got 1"),
                       Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k, v, {}, -0.1), Contains("dropout_p must be in [0, 1), got -0.1"), Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k, v, ones({3, 5}, {.dtype = kFloat64})),
                       Contains("scaled_dot_product_attention: attn_mask must be bool or the query's dtype float32, "
                                "got float64"),
                       Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k, v, ones({3, 4}) > 0),
                       Contains("scaled_dot_product_attention: attn_mask of shape (3, 4) does not broadcast to the "
                                "scores' shape (..., L, S) = (2, 3, 5)"),
                       Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k, v, ones({1, 2, 3, 5}) > 0), Contains("attn_mask of shape (1, 2, 3, 5) does not broadcast"),
                       Error);
  CHECK_THROWS_WITH_AS(sdpa(q, k, v, zeros({3, 5}, {.requires_grad = true})),
                       Contains("scaled_dot_product_attention: a float attn_mask that requires grad is not supported"),
                       Error);
}
