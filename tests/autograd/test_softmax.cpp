// softmax and log_softmax: values against float64 recomputation along rows and along an inner dim
// (the column layout, with more columns than one tile), logits of magnitude 1e4, -inf masks, the
// backward formulas, and user errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "muse/muse.h"

using namespace muse;
using doctest::Approx;
using doctest::Contains;

namespace {

std::vector<double> vals(const Tensor& t) { return t.to(kFloat64).to_vector<double>(); }

// softmax along dim of a contiguous (outer, n, inner) array, in float64.
std::vector<double> reference(const std::vector<double>& x, int64_t outer, int64_t n, int64_t inner, bool log) {
  std::vector<double> y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return (o * n + k) * inner + i; };
      double m = -INFINITY, s = 0;
      for (int64_t k = 0; k < n; ++k) m = std::max(m, x[at(k)]);
      for (int64_t k = 0; k < n; ++k) s += std::exp(x[at(k)] - m);
      for (int64_t k = 0; k < n; ++k) y[at(k)] = log ? x[at(k)] - m - std::log(s) : std::exp(x[at(k)] - m) / s;
    }
  return y;
}

// max |got - want| / (atol + rtol |want|) <= 1.
bool close(const std::vector<double>& got, const std::vector<double>& want, double rtol, double atol) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= atol + rtol * std::abs(want[i]))) return false;
  return true;
}

}  // namespace

TEST_CASE("softmax and log_softmax match float64 along rows and inner dims") {
  Generator g(11);
  struct Case {
    Shape shape;
    int64_t dim, outer, n, inner;
  };
  for (Case c : {Case{{4, 1000}, 1, 4, 1000, 1}, Case{{4, 1000}, -1, 4, 1000, 1}, Case{{7, 300}, 0, 1, 7, 300},
                 Case{{3, 5, 260}, 1, 3, 5, 260}, Case{{2, 3, 4}, 0, 1, 2, 12}, Case{{33}, 0, 1, 33, 1}}) {
    for (DType dt : {kFloat32, kFloat64}) {
      Tensor x = randn(c.shape, {.dtype = dt}, g) * 20.0;  // exponents over a wide range
      std::vector<double> xv = vals(x);
      // float32 rounds x - max to 2^-24 relative, which exp turns into an absolute error in y.
      double rtol = dt == kFloat32 ? 2e-6 : 1e-12;
      CHECK(close(vals(softmax(x, c.dim)), reference(xv, c.outer, c.n, c.inner, false), rtol, 1e-12));
      CHECK(close(vals(log_softmax(x, c.dim)), reference(xv, c.outer, c.n, c.inner, true), rtol, rtol));
      CHECK(softmax(x, c.dim).dtype() == dt);
    }
  }
  // Non-contiguous input.
  Tensor x = randn({5, 6}, {}, g);
  CHECK(close(vals(softmax(x.t(), 0)), vals(softmax(x, 1).t()), 1e-6, 1e-7));
  // A 0-dim tensor: softmax 1, log_softmax 0.
  CHECK(softmax(scalar_tensor(3.0), 0).item() == 1);
  CHECK(log_softmax(scalar_tensor(3.0), -1).item() == 0);
  CHECK(softmax(zeros({0, 3}), 1).shape() == Shape{0, 3});
}

TEST_CASE("softmax of logits of magnitude 1e4 is finite, and so are its gradients") {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = tensor({{1e4, 1e4 - 1, -1e4}, {-1e4, -1e4, -1e4 + 2}}, {.dtype = dt, .requires_grad = true});
    std::vector<double> y = vals(softmax(x, 1));
    double e = std::exp(-1.0);
    CHECK(y[0] == Approx(1 / (1 + e)));
    CHECK(y[1] == Approx(e / (1 + e)));
    CHECK(y[2] == 0);
    CHECK(y[5] == Approx(1 / (1 + 2 * std::exp(-2.0))));
    std::vector<double> ly = vals(log_softmax(x, 1));
    CHECK(ly[0] == Approx(-std::log(1 + e)));
    CHECK(ly[2] == Approx(-2e4 - std::log(1 + e)).epsilon(1e-6));
    for (double v : ly) CHECK(std::isfinite(v));

    Tensor w = tensor({{1, 2, 3}, {4, 5, 6}}, {.dtype = dt});
    (softmax(x, 1) * w).sum().backward();
    for (double v : vals(x.grad())) CHECK(std::isfinite(v));
    x.mutable_grad() = Tensor();
    (log_softmax(x, 0) * w).sum().backward();
    for (double v : vals(x.grad())) CHECK(std::isfinite(v));
  }
}

TEST_CASE("-inf logits get probability 0") {
  double inf = std::numeric_limits<double>::infinity();
  Tensor x = tensor({{0, -inf, 0}, {-inf, 1, -inf}});
  CHECK(vals(softmax(x, 1)) == std::vector<double>{0.5, 0, 0.5, 0, 1, 0});
  CHECK(vals(softmax(x, 0))[1] == 0);
  CHECK(vals(log_softmax(x, 1))[1] == -inf);
}

TEST_CASE("softmax backward: dx = y (dy - sum(dy y)); log_softmax: dx = dy - exp(y) sum(dy)") {
  Generator g(5);
  for (int64_t dim : {0, 1}) {
    Tensor x = randn({3, 4}, {.dtype = kFloat64, .requires_grad = true}, g);
    Tensor w = randn({3, 4}, {.dtype = kFloat64}, g);
    Tensor y = softmax(x, dim);
    (y * w).sum().backward();
    Tensor yd = y.detach();
    Tensor want = yd * (w - (w * yd).sum({dim}, true));
    CHECK(close(vals(x.grad()), vals(want), 1e-12, 1e-14));

    x.mutable_grad() = Tensor();
    Tensor ly = log_softmax(x, dim);
    (ly * w).sum().backward();
    Tensor want_log = w - exp(ly.detach()) * w.sum({dim}, true);
    CHECK(close(vals(x.grad()), vals(want_log), 1e-12, 1e-14));
  }
}

TEST_CASE("softmax errors name the op") {
  Tensor i = tensor({1, 2}, {.dtype = kInt64});
  CHECK_THROWS_WITH_AS(softmax(i, 0), Contains("softmax: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(log_softmax(i, 0), Contains("log_softmax: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(softmax(zeros({2, 3}), 2), Contains("softmax: dim 2 is out of range"), Error);
  CHECK_THROWS_WITH_AS(log_softmax(zeros({2, 3}), -3), Contains("log_softmax: dim -3 is out of range"), Error);
}
