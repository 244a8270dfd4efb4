// Finite-difference checks of every differentiable elementwise op (autograd/ops/elementwise.cpp), each
// on a contiguous, a transposed and a sliced input and a 0-dim one, and binary ops with broadcast
// operands. Inputs keep away from kinks (relu, abs, leaky_relu at 0, clamp bounds, maximum ties) and
// from the edges of domains (log, sqrt, rsqrt, log1p, pow), where finite differences are meaningless.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "muse/muse.h"

using namespace muse;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
using Unary = std::function<Tensor(const Tensor&)>;

// A float64 leaf of uniform values in [lo, hi); with min_abs > 0 every |value| >= min_abs (the values
// in (-min_abs, min_abs) are pushed out), keeping clear of kinks at 0.
Tensor leaf(const Shape& shape, uint64_t seed, double lo = -2, double hi = 2, double min_abs = 0) {
  Generator g(seed);
  std::vector<double> v = rand(shape, {.dtype = kFloat64}, g).to_vector<double>();
  for (double& x : v) {
    x = lo + (hi - lo) * x;
    if (std::abs(x) < min_abs) x = x < 0 ? x - min_abs : x + min_abs;
  }
  return from_vector(v, shape, {.dtype = kFloat64, .requires_grad = true});
}

// Weighting by a fixed random tensor makes every output element matter differently.
Tensor weigh(const Tensor& y, uint64_t seed = 99) {
  Generator g(seed);
  return y * randn(y.shape(), {.dtype = kFloat64}, g);
}

// f on a contiguous (3, 4) input, its transpose (from a (4, 3) leaf), a strided slice and a 0-dim input.
void check_unary(const Unary& f, double lo, double hi, double min_abs = 0, uint64_t seed = 1) {
  Tensor x = leaf({3, 4}, seed, lo, hi, min_abs), t = leaf({4, 3}, seed + 1, lo, hi, min_abs);
  Tensor w = leaf({3, 8}, seed + 2, lo, hi, min_abs), s = leaf({}, seed + 3, lo, hi, min_abs);
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return weigh(f(v[0])); }, {x}));
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return weigh(f(v[0].t())); }, {t}));
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return weigh(f(v[0].slice(1, 1, std::nullopt, 2))); }, {w}));
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return f(v[0]); }, {s}));
}

// f(a, b) for equal shapes, a row broadcast (3, 4) op (4,), an outer broadcast (3, 1) op (1, 4),
// a transposed a, and a 0-dim b.
void check_binary(const std::function<Tensor(const Tensor&, const Tensor&)>& f, double lo, double hi,
                  double min_abs = 0, uint64_t seed = 10) {
  auto run = [&](const Tensor& a, const Tensor& b) {
    CHECK(gradcheck([&](const std::vector<Tensor>& v) { return weigh(f(v[0], v[1])); }, {a, b}));
  };
  run(leaf({3, 4}, seed, lo, hi, min_abs), leaf({3, 4}, seed + 1, lo, hi, min_abs));
  run(leaf({3, 4}, seed + 2, lo, hi, min_abs), leaf({4}, seed + 3, lo, hi, min_abs));
  run(leaf({3, 1}, seed + 4, lo, hi, min_abs), leaf({1, 4}, seed + 5, lo, hi, min_abs));
  run(leaf({3, 4}, seed + 6, lo, hi, min_abs), leaf({}, seed + 7, lo, hi, min_abs));
  Tensor at = leaf({4, 3}, seed + 8, lo, hi, min_abs), b = leaf({3, 4}, seed + 9, lo, hi, min_abs);
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return weigh(f(v[0].t(), v[1])); }, {at, b}));
}

}  // namespace

TEST_CASE("gradcheck add, sub, mul, div and the operators") {
  check_binary([](const Tensor& a, const Tensor& b) { return add(a, b); }, -2, 2);
  check_binary([](const Tensor& a, const Tensor& b) { return add(a, b, -2.5); }, -2, 2);
  check_binary([](const Tensor& a, const Tensor& b) { return sub(a, b); }, -2, 2);
  check_binary([](const Tensor& a, const Tensor& b) { return sub(a, b, 0.5); }, -2, 2);
  check_binary([](const Tensor& a, const Tensor& b) { return mul(a, b); }, -2, 2);
  check_binary([](const Tensor& a, const Tensor& b) { return div(a, b); }, -2, 2, 0.5);
  check_unary([](const Tensor& x) { return 3.0 - x * 2.0 + x / 4.0 - 1.5 / x + (x - 1.0) + 2.0 * x; }, -2, 2, 0.5);
}

TEST_CASE("gradcheck neg, abs, exp, log, log1p, sqrt, rsqrt, sin, cos") {
  check_unary([](const Tensor& x) { return -neg(x); }, -2, 2);
  check_unary([](const Tensor& x) { return abs(x); }, -2, 2, 0.1);
  check_unary([](const Tensor& x) { return exp(x); }, -3, 3);
  check_unary([](const Tensor& x) { return log(x); }, 0.2, 3);
  check_unary([](const Tensor& x) { return log1p(x); }, -0.8, 3);
  check_unary([](const Tensor& x) { return sqrt(x); }, 0.2, 3);
  check_unary([](const Tensor& x) { return rsqrt(x); }, 0.2, 3);
  check_unary([](const Tensor& x) { return sin(x); }, -5, 5);
  check_unary([](const Tensor& x) { return cos(x); }, -5, 5);
}

TEST_CASE("gradcheck pow with a number, a tensor and a base number as exponent") {
  check_unary([](const Tensor& x) { return pow(x, 2.0); }, -2, 2);
  check_unary([](const Tensor& x) { return pow(x, 3.0); }, -2, 2);
  check_unary([](const Tensor& x) { return pow(x, -1.5); }, 0.3, 3);
  check_unary([](const Tensor& x) { return pow(x, 0.0); }, 0.3, 3);
  check_unary([](const Tensor& x) { return pow(2.5, x); }, -2, 2);
  check_binary([](const Tensor& a, const Tensor& b) { return pow(a, b); }, 0.3, 2);
}

TEST_CASE("gradcheck activations: tanh, sigmoid, relu, leaky_relu, gelu, silu, softplus") {
  check_unary([](const Tensor& x) { return tanh(x); }, -3, 3);
  check_unary([](const Tensor& x) { return sigmoid(x); }, -5, 5);
  check_unary([](const Tensor& x) { return relu(x); }, -2, 2, 0.1);
  check_unary([](const Tensor& x) { return leaky_relu(x, 0.2); }, -2, 2, 0.1);
  check_unary([](const Tensor& x) { return gelu(x); }, -4, 4);
  check_unary([](const Tensor& x) { return gelu(x, "tanh"); }, -4, 4);
  check_unary([](const Tensor& x) { return silu(x); }, -4, 4);
  check_unary([](const Tensor& x) { return softplus(x); }, -5, 5);
  // beta = 2, threshold = 3: inputs on both sides of beta x = threshold (x = 1.5), away from it.
  check_unary([](const Tensor& x) { return softplus(x + 1.5, 2, 3); }, -1, 1, 0.1);
}

TEST_CASE("gradcheck clamp with both bounds, min only and max only") {
  // Bounds at +-0.5 and inputs with |x - bound| >= 0.1 (x - 0.5 and x + 0.5 shift the kinks to 0).
  check_unary([](const Tensor& x) { return clamp(x + 0.5, -0.5, 0.5); }, -2, 2, 0.1);
  check_unary([](const Tensor& x) { return clamp(x - 0.5, -0.5, 0.5); }, -2, 2, 0.1);
  check_unary([](const Tensor& x) { return clamp(x, 0.0); }, -2, 2, 0.1);
  check_unary([](const Tensor& x) { return clamp(x, std::nullopt, 0.0); }, -2, 2, 0.1);
}

TEST_CASE("gradcheck maximum and minimum (no ties)") {
  // a - b never near 0: a in [0.6, 2] and b in [-0.5, 0.5], or swapped.
  auto shifted = [](const std::function<Tensor(const Tensor&, const Tensor&)>& f) {
    return [f](const Tensor& a, const Tensor& b) { return f(a, b * 0.25) + f(b * 0.25, a - 3.0); };
  };
  check_binary(shifted([](const Tensor& a, const Tensor& b) { return maximum(a, b); }), 0.6, 2);
  check_binary(shifted([](const Tensor& a, const Tensor& b) { return minimum(a, b); }), 0.6, 2);
}

TEST_CASE("gradcheck where and masked_fill") {
  check_binary([](const Tensor& a, const Tensor& b) { return where(a > 0.0, a, b); }, -2, 2, 0.1);
  check_binary([](const Tensor& a, const Tensor& b) { return where(b > 0.0, a * 2.0, b); }, -2, 2, 0.1);
  check_unary([](const Tensor& x) { return where(x > 0.0, x, 0.5) + where(x < 0.0, -1.0, x * x); }, -2, 2, 0.1);
  check_unary([](const Tensor& x) { return masked_fill(x * 3.0, x < 0.0, 7.0); }, -2, 2, 0.1);
  // A (4,) mask broadcast against a (3, 4) input.
  Tensor x = leaf({3, 4}, 40);
  Tensor mask = tensor({1, 0, 0, 1}) > 0.5;
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return weigh(masked_fill(v[0], mask, -1.0)); }, {x}));
  Tensor cond = tensor({1, 0, 1}).reshape({3, 1}) > 0.5;  // (3, 1) against (3, 4) and (4,)
  Tensor a = leaf({3, 4}, 41), b = leaf({4}, 42);
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return weigh(where(cond, v[0], v[1])); }, {a, b}));
}
