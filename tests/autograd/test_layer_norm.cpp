// The fused layer_norm against the composite it replaced (mean, rsqrt and elementwise autograd ops: the
// equations of muse/ops.h), values and gradients, with and without weight and bias, one to three
// normalized dims, rows long enough to take both threads; non-contiguous inputs; no grad mode; empty
// inputs; the backend's "empty Array means not wanted" convention; and the error messages. PyTorch's
// values are checked through nn::LayerNorm (tests/nn/test_layer_norm.cpp).
#include <doctest/doctest.h>

#include <vector>

#include "autograd/node.h"
#include "muse/muse.h"
#include "reference.h"
#include "tensor/backend.h"

using namespace muse;
using doctest::Contains;

namespace {

// Layer normalization as autograd ops, differentiated by the engine.
Tensor composite(const Tensor& x, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                 const Tensor& bias, double eps) {
  Dims dims;
  for (int64_t i = x.dim() - static_cast<int64_t>(normalized_shape.size()); i < x.dim(); ++i) dims.push_back(i);
  Tensor centered = x - mean(x, dims, true);
  Tensor y = centered * rsqrt(mean(centered * centered, dims, true) + eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

std::vector<double> vals(const Tensor& t) { return t.detach().to(kFloat64).contiguous().to_vector<double>(); }

using LayerNormFn = Tensor (*)(const Tensor&, const std::vector<int64_t>&, const Tensor&, const Tensor&, double);

// y and the gradients of sum(y * g) for x, weight, bias (undefined where absent).
std::vector<Tensor> run(LayerNormFn f, const Tensor& x, const std::vector<int64_t>& ns, const Tensor& w,
                        const Tensor& b, const Tensor& g) {
  auto leaf = [](const Tensor& t) { return t.defined() ? t.detach().requires_grad_() : t; };
  Tensor xl = leaf(x), wl = leaf(w), bl = leaf(b);
  Tensor y = f(xl, ns, wl, bl, 1e-5);
  (y * g).sum().backward();
  return {y, xl.grad(), wl.defined() ? wl.grad() : Tensor(), bl.defined() ? bl.grad() : Tensor()};
}

void check_against_composite(const Shape& shape, const std::vector<int64_t>& ns, bool has_w, bool has_b, DType dtype) {
  Generator gen(static_cast<uint64_t>(shape.back() * 100 + ns.size() * 10 + has_w * 2 + has_b));
  Shape wshape(ns);
  // x of mean 3 so that the centering matters; weight around 1.
  Tensor x = randn(shape, {.dtype = dtype}, gen) * 2.0 + 3.0, g = randn(shape, {.dtype = dtype}, gen);
  Tensor w = has_w ? randn(wshape, {.dtype = dtype}, gen) * 0.5 + 1.0 : Tensor();
  Tensor b = has_b ? randn(wshape, {.dtype = dtype}, gen) : Tensor();
  std::vector<Tensor> fused = run(layer_norm, x, ns, w, b, g), ref = run(composite, x, ns, w, b, g);
  double tol = dtype == kFloat64 ? 1e-10 : 1e-4;
  for (size_t k = 0; k < fused.size(); ++k) {
    CAPTURE(k);
    REQUIRE(fused[k].defined() == ref[k].defined());
    if (!ref[k].defined()) continue;
    CHECK(fused[k].dtype() == dtype);
    CHECK(fused[k].shape() == ref[k].shape());
    check_close(fused[k], vals(ref[k]), tol);
  }
}

}  // namespace

TEST_CASE("layer_norm matches the composite: values and gradients") {
  for (DType dtype : {kFloat64, kFloat32}) {
    for (auto [has_w, has_b] : {std::pair{true, true}, {true, false}, {false, true}, {false, false}}) {
      CAPTURE(dtype);
      CAPTURE(has_w);
      CAPTURE(has_b);
      check_against_composite({5}, {5}, has_w, has_b, dtype);
      check_against_composite({3, 7}, {7}, has_w, has_b, dtype);
      check_against_composite({2, 3, 4}, {3, 4}, has_w, has_b, dtype);
      check_against_composite({2, 2, 3, 5}, {2, 3, 5}, has_w, has_b, dtype);
      // Many rows and long rows: both threads, several chunks of partial dweight / dbias sums.
      check_against_composite({64, 1000}, {1000}, has_w, has_b, dtype);
      check_against_composite({3, 4097}, {4097}, has_w, has_b, dtype);
    }
  }
}

TEST_CASE("layer_norm on non-contiguous inputs, and without grad mode") {
  Generator gen(5);
  Tensor xt = randn({6, 4}, {.dtype = kFloat64}, gen), w = randn({4}, {.dtype = kFloat64}, gen).slice(0, 0, 4);
  Tensor wide = randn({8}, {.dtype = kFloat64}, gen), b = wide.slice(0, 0, std::nullopt, 2);
  Tensor x = xt.t();  // (4, 6) of stride (1, 4)
  REQUIRE_FALSE(x.is_contiguous());
  Tensor y = layer_norm(x, {6}, {}, {}, 1e-5);
  check_close(y, vals(composite(x.contiguous(), {6}, {}, {}, 1e-5)), 1e-12);
  check_close(layer_norm(xt, {4}, w, b), vals(composite(xt, {4}, w, b, 1e-5)), 1e-12);
  NoGradGuard no_grad;
  Tensor xl = xt.detach().requires_grad_();
  CHECK_FALSE(layer_norm(xl, {4}, w, b).requires_grad());
}

TEST_CASE("layer_norm: empty inputs") {
  Tensor w = ones({5}, {.requires_grad = true}), x = zeros({0, 5}, {.requires_grad = true});
  Tensor y = layer_norm(x, {5}, w, {});
  CHECK(y.shape() == Shape{0, 5});
  y.sum().backward();
  check_close(w.grad(), {0, 0, 0, 0, 0}, 1e-15);  // a sum over no rows
  CHECK(layer_norm(zeros({3, 0}), {0}).shape() == Shape{3, 0});
}

// Backend::layer_norm_backward: dx, dweight and dbias may each be left out; the others are unchanged.
TEST_CASE("layer_norm_backward: an empty output Array is not computed") {
  int64_t R = 3, N = 6;
  Backend& cpu = backend(Device::CPU);
  Generator gen(3);
  auto arr = [&](const Shape& s) { return array(randn(s, {.dtype = kFloat64}, gen)); };
  Array x = arr({R, N}), w = arr({N}), b = arr({N}), dy = arr({R, N});
  Array y = Array::empty({R, N}, kFloat64), mean = Array::empty({R}, kFloat64), rstd = Array::empty({R}, kFloat64);
  cpu.layer_norm_forward(x, w, b, 1e-5, y, mean, rstd);
  auto backward = [&](bool want_dx, bool want_dw, bool want_db) {
    Array dx = want_dx ? Array::empty({R, N}, kFloat64) : Array();
    Array dw = want_dw ? Array::empty({N}, kFloat64) : Array(), db = want_db ? Array::empty({N}, kFloat64) : Array();
    cpu.layer_norm_backward(x, w, mean, rstd, dy, dx, dw, db);
    auto maybe = [](const Array& a) { return a.defined() ? wrap(a) : Tensor(); };
    return std::vector<Tensor>{maybe(dx), maybe(dw), maybe(db)};
  };
  std::vector<Tensor> all = backward(true, true, true);
  for (int mask = 0; mask < 7; ++mask) {
    CAPTURE(mask);
    std::vector<Tensor> some = backward(mask & 1, mask & 2, mask & 4);
    for (int k = 0; k < 3; ++k)
      if (some[k].defined()) check_close(some[k], vals(all[k]), 1e-15);
  }
}

TEST_CASE("layer_norm: errors name the op and the shapes") {
  Tensor x = zeros({2, 3, 4});
  CHECK_THROWS_WITH_AS(layer_norm(zeros({}), {1}),
                       Contains("layer_norm: normalized_shape (1,) must name 1 to 0 trailing dims of x ()"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {}),
                       Contains("layer_norm: normalized_shape () must name 1 to 3 trailing dims of x (2, 3, 4)"),
                       Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {1, 2, 3, 4}), Contains("must name 1 to 3 trailing dims of x (2, 3, 4)"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {3}),
                       Contains("layer_norm: normalized_shape (3,) does not match the last dims of x (2, 3, 4)"),
                       Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {3, 4}, zeros({4})),
                       Contains("layer_norm: weight of shape (4,) must have normalized_shape (3, 4)"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {4}, {}, zeros({1, 4})),
                       Contains("layer_norm: bias of shape (1, 4) must have normalized_shape (4,)"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {4}, zeros({4}, {.dtype = kFloat64})),
                       Contains("layer_norm: dtype mismatch, float32 (2, 3, 4) and float64 (4,)"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(zeros({2, 4}, {.dtype = kInt64}), {4}),
                       Contains("layer_norm: expected a floating-point tensor (float32 or float64), got int64"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(Tensor(), {4}), Contains("layer_norm: got an undefined tensor"), Error);
}
