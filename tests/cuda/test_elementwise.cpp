// Elementwise ops on the GPU against the CPU, forward and backward: every unary op at the awkward sizes
// and on transposed and sliced inputs, binary ops on every broadcast path, comparisons, logical ops,
// where and masked_fill, in float32 (and float64 and int64 where the op takes them).
#include <doctest/doctest.h>

#include "compare.h"

using namespace muse;
using namespace cudatest;

namespace {

struct Unary {
  const char* name;
  std::function<Tensor(const Tensor&)> f;
  bool positive;  // defined for x > 0 only (log, sqrt, ...): inputs are |x| + 0.1
};

const std::vector<Unary>& unary_ops() {
  static const std::vector<Unary> ops = {
      {"neg", [](const Tensor& x) { return neg(x); }, false},
      {"exp", [](const Tensor& x) { return exp(x); }, false},
      {"log", [](const Tensor& x) { return log(x); }, true},
      {"log1p", [](const Tensor& x) { return log1p(x); }, true},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, true},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, true},
      {"abs", [](const Tensor& x) { return abs(x); }, false},
      {"sin", [](const Tensor& x) { return sin(x); }, false},
      {"cos", [](const Tensor& x) { return cos(x); }, false},
      {"tanh", [](const Tensor& x) { return tanh(x); }, false},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, false},
      {"relu", [](const Tensor& x) { return relu(x); }, false},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2); }, false},
      {"gelu", [](const Tensor& x) { return gelu(x); }, false},
      {"gelu_tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, false},
      {"silu", [](const Tensor& x) { return silu(x); }, false},
      {"softplus", [](const Tensor& x) { return softplus(x, 2, 3); }, false},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.7); }, false},
      {"pow2", [](const Tensor& x) { return pow(x, 2); }, false},
      {"pow1.5", [](const Tensor& x) { return pow(x, 1.5); }, true},
  };
  return ops;
}

Tensor input_for(const Unary& op, const Shape& shape, uint64_t seed, DType dtype = kFloat32) {
  Tensor x = random(shape, seed, dtype) * 3.0;
  return op.positive ? abs(x) + 0.1 : x;
}

}  // namespace

TEST_CASE("cuda: unary ops, forward and backward, at awkward sizes (float32)") {
  for (const Unary& op : unary_ops()) {
    for (int64_t n : kSizes) {
      check_op(str(op.name, " n=", n), [&](const auto& v) { return op.f(v[0]); }, {input_for(op, {n}, n)},
               kElementwise);
    }
  }
}

TEST_CASE("cuda: unary ops on transposed and sliced inputs, and in float64") {
  for (const Unary& op : unary_ops()) {
    Tensor x = input_for(op, {37, 129}, 5);
    check_op(str(op.name, " transposed"), [&](const auto& v) { return op.f(v[0].t()); }, {x}, kElementwise);
    check_op(str(op.name, " sliced"), [&](const auto& v) { return op.f(v[0].slice(1, 3, 120, 2)); }, {x},
             kElementwise);
    check_op(str(op.name, " float64"), [&](const auto& v) { return op.f(v[0]); },
             {input_for(op, {1023}, 6, kFloat64)}, {1e-14, 1e-14});
  }
}

TEST_CASE("cuda: neg, abs and logical_not of int64 and bool") {
  Tensor i = randint(-50, 50, {1023});
  check_op("neg int64", [](const auto& v) { return neg(v[0]); }, {i}, kExact);
  check_op("abs int64", [](const auto& v) { return abs(v[0]); }, {i}, kExact);
  check_op("logical_not", [](const auto& v) { return logical_not(v[0] > 0.0); }, {random({4097}, 3)}, kExact);
}

TEST_CASE("cuda: binary arithmetic on every broadcast path") {
  using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;
  std::vector<std::pair<const char*, Binary>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b, 0.5); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(abs(a) + 0.5, b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }},
  };
  // (a's shape, b's shape, how a is read): flat, scalar, row broadcast, outer product, transposed.
  struct Case {
    Shape a, b;
    bool transpose_a;
  };
  std::vector<Case> cases = {{{1}, {1}, false},        {{7}, {7}, false},          {{1023}, {1023}, false},
                             {{4097}, {4097}, false},  {{4097}, {1}, false},       {{}, {1023}, false},
                             {{33, 129}, {129}, false}, {{7, 1}, {1, 1023}, false}, {{129, 33}, {33, 129}, true},
                             {{3, 1, 5}, {4, 1}, false}};
  for (const auto& [name, f] : ops) {
    for (const Case& c : cases) {
      Tensor a = random(c.a, 1), b = random(c.b, 2);
      check_op(str(name, " ", c.a, " ", c.b, c.transpose_a ? " (a transposed)" : ""),
               [&](const auto& v) { return f(c.transpose_a ? v[0].t() : v[0], v[1]); }, {a, b}, kElementwise);
    }
  }
  Tensor ia = randint(-9, 9, {7, 1023}), ib = randint(1, 9, {1023});
  check_op("add int64", [](const auto& v) { return v[0] + v[1]; }, {ia, ib}, kExact);
  check_op("mul int64", [](const auto& v) { return v[0] * v[1]; }, {ia, ib}, kExact);
  check_op("maximum int64", [](const auto& v) { return maximum(v[0], v[1]); }, {ia, ib}, kExact);
  check_op("div float64", [](const auto& v) { return v[0] / v[1]; },
           {random({4097}, 3, kFloat64), random({1}, 4, kFloat64)}, {1e-15, 0});
}

TEST_CASE("cuda: comparisons, logical ops, where and masked_fill") {
  Tensor a = random({37, 129}, 1), b = random({129}, 2);
  for (int k = 0; k < 6; ++k) {
    auto f = [k](const auto& v) {
      Tensor x = v[0], y = v[1];
      switch (k) {
        case 0: return eq(x, y);
        case 1: return ne(x, y);
        case 2: return lt(x, y);
        case 3: return le(x, y);
        case 4: return x.t() > 0.0;
        default: return ge(x, y);
      }
    };
    check_op(str("comparison ", k), f, {a, b}, kExact);
  }
  check_op("eq on equal values", [](const auto& v) { return eq(v[0], v[0].slice(0, 0, 1)); }, {a}, kExact);
  check_op("logical_and / or",
           [](const auto& v) { return logical_or(logical_and(v[0] > 0.0, v[1] < 0.5), v[0] < -1.0); }, {a, b},
           kExact);
  Tensor c = random({37, 1}, 3);
  check_op("where", [](const auto& v) { return where(v[2] > 0.0, v[0], v[1]); }, {a, b, c}, kElementwise);
  check_op("where transposed", [](const auto& v) { return where(v[0].t() > 0.0, v[0].t(), 2.5); }, {a}, kElementwise);
  check_op("masked_fill", [](const auto& v) { return masked_fill(v[0], v[1] > 0.3, -1e9); }, {a, b}, kElementwise);
  Tensor ia = randint(0, 3, {1023}), ib = randint(0, 3, {1023});
  check_op("eq int64", [](const auto& v) { return eq(v[0], v[1]); }, {ia, ib}, kExact);
}
