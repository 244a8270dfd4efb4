// Reductions: values against hand math and float64 recomputation, keepdim shapes, negative and
// non-adjacent dims, int64/bool sums, ties and NaN, float32 accuracy (blocked sums, two-pass variance),
// large inputs that take the threaded and chunked paths, gradients, and every user error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "muse/muse.h"

using namespace muse;
using doctest::Approx;
using doctest::Contains;

namespace {

std::vector<double> vals(const Tensor& t) { return t.to(kFloat64).to_vector<double>(); }
std::vector<int64_t> ivals(const Tensor& t) { return t.to_vector<int64_t>(); }
// 0, 1, ..., numel - 1 in the given shape.
Tensor grid(const Shape& s, DType dtype = kFloat32) {
  return arange(static_cast<double>(s.numel()), {.dtype = dtype}).reshape(s);
}
// Element by element within a relative tolerance.
bool close(const std::vector<double>& got, const std::vector<double>& want, double tol = 1e-6) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= tol * (1 + std::abs(want[i])))) return false;
  return true;
}
constexpr double kInf = std::numeric_limits<double>::infinity();

// sum over dim 0 of a (rows, cols) float64 recomputation from x's values.
std::vector<double> column_sums(const std::vector<double>& x, int64_t rows, int64_t cols) {
  std::vector<double> s(cols, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) s[c] += x[r * cols + c];
  return s;
}

}  // namespace

TEST_CASE("sum over all, one, several and negative dims, with keepdim") {
  Tensor x = grid({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  CHECK(sum(x).item() == 15);
  CHECK(sum(x).shape() == Shape{});
  CHECK(vals(sum(x, {0})) == std::vector<double>{3, 5, 7});
  CHECK(vals(sum(x, {1})) == std::vector<double>{3, 12});
  CHECK(vals(sum(x, {-1})) == std::vector<double>{3, 12});
  CHECK(sum(x, {1}, true).shape() == Shape{2, 1});
  CHECK(sum(x, {0, 1}, true).shape() == Shape{1, 1});
  CHECK(x.sum({0, -1}).item() == 15);

  // (2, 3, 4): dims {0, 2} are not adjacent, so the input is permuted to (3, 2*4).
  Tensor y = grid({2, 3, 4});
  Tensor s = sum(y, {0, 2});
  CHECK(s.shape() == Shape{3});
  for (int64_t j = 0; j < 3; ++j) {
    double want = 0;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < 4; ++k) want += i * 12 + j * 4 + k;
    CHECK(vals(s)[j] == want);
  }
  CHECK(sum(y, {2, 0}, true).shape() == Shape{1, 3, 1});
  CHECK(vals(sum(y, {1, 2})) == std::vector<double>{66, 210});  // a block of adjacent dims

  // A transposed (non-contiguous) input.
  CHECK(vals(sum(x.t(), {0})) == std::vector<double>{3, 12});
  // A 0-dim tensor sums to itself; an empty one to 0.
  CHECK(sum(scalar_tensor(2.5)).item() == 2.5);
  CHECK(sum(zeros({0, 3})).item() == 0);
  CHECK(vals(sum(zeros({2, 0}), {1})) == std::vector<double>{0, 0});
}

TEST_CASE("sum of int64 and bool is int64") {
  Tensor i = tensor({1, 2, 3, 4}, {.dtype = kInt64}).reshape({2, 2});
  CHECK(sum(i).dtype() == kInt64);
  CHECK(sum(i).item() == 10);
  CHECK(ivals(sum(i, {0})) == std::vector<int64_t>{4, 6});
  Tensor b = tensor({1, 0, 1, 1}, {.dtype = kBool});
  CHECK(sum(b).dtype() == kInt64);
  CHECK(sum(b).item() == 3);
  Tensor big = full({3000000}, 3, {.dtype = kInt64});  // exact, beyond float32's 2^24
  CHECK(sum(big).item<int64_t>() == 9000000);
}

TEST_CASE("float32 sums are accurate over long rows and columns") {
  // Naive float32 accumulation of 4M values of 0.1 drifts by about 1%; blocked summation does not.
  Tensor x = full({4000000}, 0.1);
  double want = 4000000 * static_cast<double>(0.1f);
  CHECK(sum(x).item() == Approx(want).epsilon(1e-6));
  CHECK(mean(x).item() == Approx(static_cast<double>(0.1f)).epsilon(1e-6));
  Tensor col = full({1000000, 3}, 0.1);
  for (double v : vals(sum(col, {0}))) CHECK(v == Approx(1000000 * static_cast<double>(0.1f)).epsilon(1e-6));
}

TEST_CASE("large reductions on the threaded paths match float64 recomputation") {
  Generator g(7);
  for (Shape s : {Shape{3, 70000}, Shape{70000, 3}, Shape{5, 300, 41}, Shape{2, 5000, 300}}) {
    Tensor x = randn(s, {}, g);
    std::vector<double> v = vals(x);
    int64_t rows = s[0], cols = s.numel() / s[0];
    // Over dim 0: (1, rows, cols).
    std::vector<double> want = column_sums(v, rows, cols), got = vals(sum(x, {0}));
    for (int64_t c = 0; c < cols; c += 97) CHECK(got[c] == Approx(want[c]).epsilon(1e-5).scale(1));
    // Over the last dim.
    int64_t last = s[s.size() - 1], lead = s.numel() / last;
    std::vector<double> got_last = vals(sum(x, {-1}));
    for (int64_t r = 0; r < lead; r += 101) {
      double w = 0;
      for (int64_t k = 0; k < last; ++k) w += v[r * last + k];
      CHECK(got_last[r] == Approx(w).epsilon(1e-5).scale(1));
    }
    // max and argmax over dim 0 agree with a scan.
    ValuesIndices m = max(x, 0);
    std::vector<double> mv = vals(m.values);
    std::vector<int64_t> mi = ivals(m.indices);
    for (int64_t c = 0; c < cols; c += 89) {
      int64_t best = 0;
      for (int64_t r = 1; r < rows; ++r)
        if (v[r * cols + c] > v[best * cols + c]) best = r;
      CHECK(mi[c] == best);
      CHECK(mv[c] == v[best * cols + c]);
    }
    CHECK(max(x).item() == *std::max_element(v.begin(), v.end()));
    CHECK(min(x).item() == *std::min_element(v.begin(), v.end()));
  }
}

TEST_CASE("every reduction over the middle dim of (outer, n, inner) matches a float64 loop") {
  // Sizes around the kernels' tile (1024 columns), block (1024 / 64) and chunking thresholds.
  Generator g(9);
  for (Shape s : {Shape{1, 1, 1}, Shape{3, 1, 5}, Shape{2, 17, 1}, Shape{1, 5000, 1}, Shape{4, 70, 1025},
                  Shape{1, 130, 2049}, Shape{1, 40000, 3}, Shape{7, 3, 300}, Shape{1, 66000, 1}}) {
    CAPTURE(s);
    Tensor x = randn(s, {.dtype = kFloat64}, g);
    std::vector<double> v = vals(x);
    int64_t outer = s[0], n = s[1], inner = s[2];
    std::vector<double> sum_v = vals(sum(x, {1})), max_v = vals(amax(x, {1})), min_v = vals(min(x, 1).values);
    std::vector<double> var_v = vals(var(x, Dims{1}, false)), lse_v = vals(logsumexp(x, {1}));
    std::vector<int64_t> arg_v = ivals(argmax(x, 1));
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; i += 7) {
        auto at = [&](int64_t k) { return v[(o * n + k) * inner + i]; };
        double s1 = 0, mx = at(0), mn = at(0), sq = 0, e = 0;
        int64_t arg = 0;
        for (int64_t k = 0; k < n; ++k) {
          s1 += at(k);
          if (at(k) > mx) mx = at(k), arg = k;
          mn = std::min(mn, at(k));
        }
        for (int64_t k = 0; k < n; ++k) sq += (at(k) - s1 / n) * (at(k) - s1 / n), e += std::exp(at(k) - mx);
        int64_t j = o * inner + i;
        CHECK(sum_v[j] == Approx(s1).epsilon(1e-12).scale(1));
        CHECK(max_v[j] == mx);
        CHECK(min_v[j] == mn);
        CHECK(arg_v[j] == arg);
        CHECK(var_v[j] == Approx(sq / n).epsilon(1e-12).scale(1));
        CHECK(lse_v[j] == Approx(mx + std::log(e)).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("mean") {
  Tensor x = grid({2, 3});
  CHECK(mean(x).item() == 2.5);
  CHECK(vals(mean(x, {0})) == std::vector<double>{1.5, 2.5, 3.5});
  CHECK(vals(x.mean({1}, true)) == std::vector<double>{1, 4});
  CHECK(x.mean({1}, true).shape() == Shape{2, 1});
  CHECK(std::isnan(mean(zeros({0})).item()));
}

TEST_CASE("max, min and their indices: ties give the first index, NaN wins") {
  Tensor x = tensor({{1, 5, 5}, {7, 0, 7}});
  CHECK(max(x).item() == 7);
  CHECK(min(x).item() == 0);
  ValuesIndices m = max(x, 1);
  CHECK(vals(m.values) == std::vector<double>{5, 7});
  CHECK(ivals(m.indices) == std::vector<int64_t>{1, 0});
  ValuesIndices n = x.min(0, true);
  CHECK(n.values.shape() == Shape{1, 3});
  CHECK(vals(n.values) == std::vector<double>{1, 0, 5});
  CHECK(ivals(n.indices) == std::vector<int64_t>{0, 1, 0});
  CHECK(ivals(max(x, -2).indices) == std::vector<int64_t>{1, 0, 1});

  CHECK(argmax(x).item() == 3);  // into the flattened tensor
  CHECK(argmin(x).item() == 4);
  CHECK(ivals(argmax(x, 1)) == std::vector<int64_t>{1, 0});
  CHECK(argmax(x, 1, true).shape() == Shape{2, 1});
  CHECK(ivals(argmin(x, 0)) == std::vector<int64_t>{0, 1, 0});
  CHECK(x.argmax(0).dtype() == kInt64);

  Tensor nan = tensor({1, NAN, 3, NAN});
  CHECK(std::isnan(max(nan).item()));
  CHECK(std::isnan(min(nan).item()));
  CHECK(argmax(nan).item() == 1);
  CHECK(argmin(nan).item() == 1);
  Tensor ints = tensor({3, -2, 9}, {.dtype = kInt64});
  CHECK(max(ints).item() == 9);
  CHECK(ivals(argmin(ints, 0)) == std::vector<int64_t>{1});
  CHECK(max(scalar_tensor(4)).item() == 4);
  CHECK(max(scalar_tensor(4), 0).indices.item() == 0);
}

TEST_CASE("amax and amin over dims lists") {
  Tensor y = grid({2, 3, 4});
  CHECK(vals(amax(y, {0, 2})) == std::vector<double>{15, 19, 23});
  CHECK(vals(amin(y, {-1})) == std::vector<double>{0, 4, 8, 12, 16, 20});
  CHECK(amax(y, {1}, true).shape() == Shape{2, 1, 4});
  CHECK(amax(y, {}).item() == 23);
}

TEST_CASE("var and std, biased and unbiased, over dims") {
  Tensor x = tensor({{1, 2, 3, 4}, {2, 4, 6, 8}});
  CHECK(var(x.select(0, 0)).item() == Approx(5.0 / 3));
  CHECK(var(x.select(0, 0), {}, false).item() == Approx(1.25));
  CHECK(close(vals(var(x, {1})), {5.0 / 3, 20.0 / 3}));
  CHECK(var(x, {1}, true, true).shape() == Shape{2, 1});
  CHECK(vals(var(x, {0}, false)) == std::vector<double>{0.25, 1, 2.25, 4});
  CHECK(muse::std(x.select(0, 1), {}, false).item() == Approx(std::sqrt(5.0)));
  CHECK(close(vals(muse::std(x, Dims{0})), {std::sqrt(0.5), std::sqrt(2.0), std::sqrt(4.5), std::sqrt(8.0)}));
  CHECK(std::isnan(var(tensor({3})).item()));  // n - 1 = 0
}

TEST_CASE("variance of a float32 column with mean 1e4 and std 1 is about 1") {
  // One pass (E[x^2] - E[x]^2) in float32 would lose every digit: 1e8 has no room for a spread of 1.
  Generator g(3);
  Tensor x = randn({200000, 2}, {}, g) + 1e4;
  for (double v : vals(var(x, Dims{0}))) CHECK(v == Approx(1.0).epsilon(0.02));
  CHECK(var(x.select(1, 0).contiguous()).item() == Approx(1.0).epsilon(0.02));  // the row layout
  CHECK(var(x).item() == Approx(1.0).epsilon(0.02));
  CHECK(muse::std(x, Dims{0}, true, true).shape() == Shape{1, 2});
}

TEST_CASE("logsumexp is stable") {
  Tensor x = tensor({{1, 2, 3}, {1e4, 1e4, 1e4 - 1}});
  std::vector<double> y = vals(logsumexp(x, {1}));
  CHECK(y[0] == Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))));
  CHECK(y[1] == Approx(1e4 + std::log(2 + std::exp(-1.0))));
  CHECK(logsumexp(x, {0}, true).shape() == Shape{1, 3});
  CHECK(vals(logsumexp(x.t(), {0}))[1] == Approx(y[1]));
  Tensor ninf = full({2, 3}, -kInf);
  for (double v : vals(logsumexp(ninf, {1}))) CHECK(v == -kInf);
  CHECK(logsumexp(tensor({kInf, 1}), {0}).item() == kInf);
  CHECK(logsumexp(zeros({2, 0}), {1}).to_vector<float>()[0] == -std::numeric_limits<float>::infinity());
  CHECK(logsumexp(x, {0, 1}).item() == Approx(1e4 + std::log(2 + std::exp(-1.0))));
}

TEST_CASE("norm: p = 2, 1, inf, 0, 3, over dims") {
  Tensor x = tensor({{3, -4}, {0, 0}});
  CHECK(norm(x).item() == Approx(5));
  CHECK(norm(x, 1).item() == Approx(7));
  CHECK(norm(x, kInf).item() == Approx(4));
  CHECK(norm(x, -kInf).item() == Approx(0));
  CHECK(norm(x, 0).item() == 2);
  CHECK(norm(x, 3).item() == Approx(std::cbrt(27.0 + 64.0)));
  CHECK(close(vals(norm(x, 2, {1})), {5, 0}));
  CHECK(norm(x, 2, {1}, true).shape() == Shape{2, 1});
  CHECK(norm(zeros({0})).item() == 0);
}

TEST_CASE("gradients: sum, mean, max ties, max along dim, var, logsumexp, norm at zero") {
  Tensor x = tensor({{1, 3, 3}, {2, 0, 1}}, {.requires_grad = true});
  sum(x, {1}).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>(6, 1));
  x.mutable_grad() = Tensor();
  mean(x).backward();
  CHECK(close(vals(x.grad()), std::vector<double>(6, 1.0 / 6)));
  x.mutable_grad() = Tensor();
  max(x).backward();  // a tie between two 3s: each gets half
  CHECK(vals(x.grad()) == std::vector<double>{0, 0.5, 0.5, 0, 0, 0});
  x.mutable_grad() = Tensor();
  max(x, 1).values.sum().backward();  // along a dim the first index takes it all
  CHECK(vals(x.grad()) == std::vector<double>{0, 1, 0, 1, 0, 0});
  x.mutable_grad() = Tensor();
  var(x, {1}, false).sum().backward();  // 2 (x - mean) / n
  std::vector<double> g = vals(x.grad());
  CHECK(g[0] == Approx(2 * (1 - 7.0 / 3) / 3));
  CHECK(g[5] == Approx(0));
  x.mutable_grad() = Tensor();
  logsumexp(x, {1}).sum().backward();  // softmax of each row
  double s = std::exp(1.0) + 2 * std::exp(3.0);
  CHECK(vals(x.grad())[1] == Approx(std::exp(3.0) / s));

  for (double p : {2.0, 1.0, 3.0, kInf}) {
    Tensor z = zeros({3}, {.requires_grad = true});
    norm(z, p).backward();
    CHECK(vals(z.grad()) == std::vector<double>{0, 0, 0});
  }
  Tensor v = tensor({3, -4}, {.requires_grad = true});
  norm(v).backward();
  CHECK(close(vals(v.grad()), {0.6, -0.8}));
}

TEST_CASE("reduction errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(max(zeros({3, 0}), 1),
                       Contains("max: cannot reduce over an empty dimension (input of shape (3, 0)"), Error);
  CHECK_THROWS_WITH_AS(max(zeros({0})), Contains("max: cannot reduce over an empty dimension"), Error);
  CHECK_THROWS_WITH_AS(min(zeros({2, 0})), Contains("min: cannot reduce"), Error);
  CHECK_THROWS_WITH_AS(argmax(zeros({0, 2})), Contains("argmax: cannot reduce over an empty dimension"), Error);
  CHECK_THROWS_WITH_AS(argmin(zeros({2, 0}), 1), Contains("argmin: cannot reduce"), Error);
  CHECK_THROWS_WITH_AS(amax(zeros({2, 0}), {1}), Contains("amax: cannot reduce"), Error);
  CHECK_THROWS_WITH_AS(amin(zeros({2, 0}), {1}), Contains("amin: cannot reduce"), Error);
  CHECK_THROWS_WITH_AS(norm(zeros({0}), kInf), Contains("norm: cannot reduce"), Error);
  CHECK(max(zeros({0, 3}), 1).values.shape() == Shape{0});  // no slices at all: fine

  CHECK_THROWS_WITH_AS(sum(zeros({2, 3}), {2}), Contains("sum: dim 2 is out of range"), Error);
  CHECK_THROWS_WITH_AS(sum(zeros({2, 3}), {1, -1}), Contains("sum: dim -1 appears more than once"), Error);
  CHECK_THROWS_WITH_AS(max(zeros({2, 3}), -3), Contains("max: dim -3 is out of range"), Error);
  CHECK_THROWS_WITH_AS(argmax(zeros({2}), 1), Contains("argmax: dim 1 is out of range"), Error);

  Tensor i = tensor({1, 2}, {.dtype = kInt64});
  CHECK_THROWS_WITH_AS(mean(i), Contains("mean: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(var(i), Contains("var: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(muse::std(i), Contains("std: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(logsumexp(i, {0}), Contains("logsumexp: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(norm(i), Contains("norm: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(sum(Tensor()), Contains("sum: got an undefined tensor"), Error);
}
