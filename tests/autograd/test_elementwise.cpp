// Elementwise ops: values against hand-derived math and float64 recomputation, float32 accuracy of the
// approximations in tensor/elementwise_math.h (in ulps, over wide ranges, with inf and NaN), stability
// at +-1e4, broadcasting on every kernel path (flat, scalar, row, general, threaded), int64 and bool
// behaviour, gradients at ties, and every user error with its message.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "muse/muse.h"

using namespace muse;
using doctest::Approx;
using doctest::Contains;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> vals(const Tensor& t) { return t.to(kFloat64).to_vector<double>(); }
std::vector<int64_t> ivals(const Tensor& t) { return t.to_vector<int64_t>(); }
std::vector<bool> bvals(const Tensor& t) { return t.to_vector<bool>(); }
Tensor f64(std::initializer_list<Number> v) { return tensor(v, {.dtype = kFloat64}); }
Tensor i64(std::initializer_list<Number> v) { return tensor(v, {.dtype = kInt64}); }
Tensor grid(const Shape& s, DType dtype = kFloat32) {
  return arange(static_cast<double>(s.numel()), {.dtype = dtype}).reshape(s);
}

// |got - want| in float32 ulps of want (the spacing of floats at |want|, at least the smallest
// subnormal); NaN matches NaN and infinities must match exactly.
double ulps(float got, double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : kInf;
  if (std::isnan(got)) return kInf;
  float w = std::abs(static_cast<float>(want));
  if (std::isinf(w)) return got == static_cast<float>(want) ? 0 : kInf;  // overflows in float32
  double ulp = std::max<double>(std::nextafter(w, std::numeric_limits<float>::infinity()) - w,
                                std::numeric_limits<float>::denorm_min());
  return std::abs(got - want) / ulp;
}

// Runs op on float32 inputs xs and returns the largest ulp error against ref computed in float64
// from the same (float32) inputs.
double max_ulps(const std::function<Tensor(const Tensor&)>& op, const std::function<double(double)>& ref,
                const std::vector<float>& xs) {
  Tensor x = from_vector(xs, {static_cast<int64_t>(xs.size())});
  std::vector<float> y = op(x).to_vector<float>();
  double worst = 0;
  for (size_t i = 0; i < xs.size(); ++i) worst = std::max(worst, ulps(y[i], ref(xs[i])));
  return worst;
}

// n evenly spaced float32 points in [lo, hi] (n is odd, so the loops' vector tails run too).
std::vector<float> evenly(double lo, double hi, int64_t n = 100001) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(lo + (hi - lo) * i / (n - 1));
  return v;
}
// n points with |x| log-spaced in [lo, hi], with sign `sign`.
std::vector<float> log_spaced(double lo, double hi, double sign = 1, int64_t n = 100001) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(sign * lo * std::pow(hi / lo, double(i) / (n - 1)));
  return v;
}

double sigmoid_ref(double x) { return 1 / (1 + std::exp(-x)); }
double gelu_ref(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
// The tanh approximation as x sigmoid(2g), which has no cancellation for negative x.
double gelu_tanh_ref(double x) { return x * sigmoid_ref(2 * std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)); }
double softplus_ref(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }

}  // namespace

TEST_CASE("add, sub, mul, div and the operators on equal shapes") {
  Tensor a = tensor({1, 2, 3}), b = tensor({4, -5, 0.5});
  CHECK(vals(a + b) == std::vector<double>{5, -3, 3.5});
  CHECK(vals(a - b) == std::vector<double>{-3, 7, 2.5});
  CHECK(vals(a * b) == std::vector<double>{4, -10, 1.5});
  CHECK(vals(a / b) == std::vector<double>{0.25, -0.4f, 6});
  CHECK(vals(add(a, b, 2)) == std::vector<double>{9, -8, 4});
  CHECK(vals(sub(a, b, 0.5)) == std::vector<double>{-1, 4.5, 2.75});
  CHECK(vals(-a) == std::vector<double>{-1, -2, -3});
  CHECK(vals(a + 1.0) == std::vector<double>{2, 3, 4});
  CHECK(vals(10.0 - a) == std::vector<double>{9, 8, 7});
  CHECK(vals(a * 2.0) == std::vector<double>{2, 4, 6});
  CHECK(vals(3.0 * a) == std::vector<double>{3, 6, 9});
  CHECK(vals(a / 2.0) == std::vector<double>{0.5, 1, 1.5});
  CHECK(vals(6.0 / a) == std::vector<double>{6, 3, 2});
  CHECK(vals(a - 1.0) == std::vector<double>{0, 1, 2});
  CHECK((a + b).dtype() == kFloat32);
  CHECK((f64({1}) * 2.0).dtype() == kFloat64);
  // IEEE division by zero.
  std::vector<double> z = vals(tensor({1, -1, 0}) / tensor({0, 0, 0}));
  CHECK(z[0] == kInf);
  CHECK(z[1] == -kInf);
  CHECK(std::isnan(z[2]));
}

TEST_CASE("broadcasting: scalar, row, column, outer and 3-D shapes") {
  Tensor m = grid({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  CHECK(vals(m + tensor({10, 20, 30})) == std::vector<double>{10, 21, 32, 13, 24, 35});
  CHECK(vals(tensor({10, 20, 30}) - m) == std::vector<double>{10, 19, 28, 7, 16, 25});
  CHECK(vals(m * tensor({2, -1}).reshape({2, 1})) == std::vector<double>{0, 2, 4, -3, -4, -5});
  CHECK(vals(m + scalar_tensor(1)) == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(vals(scalar_tensor(1) - m) == std::vector<double>{1, 0, -1, -2, -3, -4});
  Tensor outer = tensor({1, 2}).reshape({2, 1}) * tensor({1, 10, 100});  // (2, 1) x (3,) -> (2, 3)
  CHECK(outer.shape() == Shape{2, 3});
  CHECK(vals(outer) == std::vector<double>{1, 10, 100, 2, 20, 200});
  Tensor c = grid({2, 1, 3}) + grid({4, 1}) * 10.0;  // (2, 1, 3) + (4, 1) -> (2, 4, 3)
  CHECK(c.shape() == Shape{2, 4, 3});
  std::vector<double> cv = vals(c);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t k = 0; k < 3; ++k) CHECK(cv[(i * 4 + j) * 3 + k] == i * 3 + k + 10 * j);
  CHECK((scalar_tensor(2) * scalar_tensor(3)).shape() == Shape{});
  CHECK((zeros({0, 3}) + ones({3})).shape() == Shape{0, 3});
  // Non-contiguous operands.
  Tensor t = grid({3, 2}).t();  // [[0, 2, 4], [1, 3, 5]]
  CHECK(vals(t + m) == std::vector<double>{0, 3, 6, 4, 7, 10});
  CHECK(vals(grid({2, 6}).slice(1, 0, std::nullopt, 2) * 1.0) == std::vector<double>{0, 2, 4, 6, 8, 10});
}

TEST_CASE("broadcasting at sizes that take the threaded paths, against float64 loops") {
  const int64_t N = 300, C = 257;  // N * C > kGrain, C odd
  Generator g(3);
  Tensor a = randn({N, C}, {.dtype = kFloat64}, g), row = randn({C}, {.dtype = kFloat64}, g);
  Tensor col = randn({N, 1}, {.dtype = kFloat64}, g), s = randn({}, {.dtype = kFloat64}, g);
  std::vector<double> av = vals(a), rv = vals(row), cv = vals(col);
  double sv = s.item();
  std::vector<double> sum_row = vals(a + row), prod_outer = vals(col * row), diff_s = vals(a - s);
  std::vector<double> flat = vals(a * a), max_col = vals(maximum(a, col)), t_sum = vals(a.t() + row.reshape({C, 1}));
  int64_t wrong = 0;
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < C; ++j) {
      double x = av[i * C + j];
      wrong += sum_row[i * C + j] != x + rv[j];
      wrong += prod_outer[i * C + j] != cv[i] * rv[j];
      wrong += diff_s[i * C + j] != x - sv;
      wrong += flat[i * C + j] != x * x;
      wrong += max_col[i * C + j] != std::max(x, cv[i]);
      wrong += t_sum[j * N + i] != x + rv[j];
    }
  }
  CHECK(wrong == 0);
}

TEST_CASE("unary ops in float64 match the std:: functions exactly or to rounding") {
  Tensor x = f64({-3.5, -1, -0.25, 0.5, 1, 2.75});
  std::vector<double> xv = vals(x);
  auto each = [&](const Tensor& y, const std::function<double(double)>& f) {
    std::vector<double> yv = vals(y);
    for (size_t i = 0; i < xv.size(); ++i) CHECK(yv[i] == Approx(f(xv[i])).epsilon(1e-15));
  };
  each(exp(x), [](double v) { return std::exp(v); });
  each(sin(x), [](double v) { return std::sin(v); });
  each(cos(x), [](double v) { return std::cos(v); });
  each(tanh(x), [](double v) { return std::tanh(v); });
  each(sigmoid(x), sigmoid_ref);
  each(abs(x), [](double v) { return std::abs(v); });
  each(relu(x), [](double v) { return v > 0 ? v : 0; });
  each(leaky_relu(x, 0.1), [](double v) { return v > 0 ? v : 0.1 * v; });
  each(gelu(x), gelu_ref);
  each(gelu(x, "tanh"), gelu_tanh_ref);
  each(silu(x), [](double v) { return v * sigmoid_ref(v); });
  each(softplus(x), softplus_ref);
  each(softplus(x, 2, 3), [](double v) { return 2 * v > 3 ? v : std::log1p(std::exp(2 * v)) / 2; });
  each(pow(x, 2.0), [](double v) { return v * v; });
  each(pow(x, 3.0), [](double v) { return v * v * v; });
  Tensor p = f64({0.25, 1, 4, 9});
  CHECK(vals(log(p)) == std::vector<double>{std::log(0.25), 0, std::log(4.0), std::log(9.0)});
  CHECK(vals(log1p(p)) == std::vector<double>{std::log1p(0.25), std::log1p(1.0), std::log1p(4.0), std::log1p(9.0)});
  CHECK(vals(sqrt(p)) == std::vector<double>{0.5, 1, 2, 3});
  CHECK(vals(rsqrt(p)) == std::vector<double>{2, 1, 0.5, 1.0 / 3});
  CHECK(vals(pow(p, 0.5)) == std::vector<double>{0.5, 1, 2, 3});
  CHECK(vals(pow(p, -1.0)) == std::vector<double>{4, 1, 0.25, 1.0 / 9});
  CHECK(vals(pow(2.0, f64({-1, 0, 3}))) == std::vector<double>{0.5, 1, 8});
  std::vector<double> pw = vals(pow(f64({2, 3}), f64({3, 0.5})));
  CHECK(pw[0] == 8);
  CHECK(pw[1] == Approx(std::sqrt(3.0)).epsilon(1e-15));
  CHECK(gelu(f64({1})).item() == Approx(0.8413447460685429).epsilon(1e-15));
}

TEST_CASE("float32 exp, log and log1p are within 1-2 ulp over their whole range") {
  auto e = [](const Tensor& t) { return exp(t); };
  auto l = [](const Tensor& t) { return log(t); };
  auto l1 = [](const Tensor& t) { return log1p(t); };
  auto exp_ref = [](double v) { return std::exp(v); };
  auto log_ref = [](double v) { return std::log(v); };
  auto log1p_ref = [](double v) { return std::log1p(v); };
  CHECK(max_ulps(e, exp_ref, evenly(-104, 89)) <= 1);       // into the subnormals and to overflow
  CHECK(max_ulps(e, exp_ref, evenly(-1, 1)) <= 1);
  CHECK(max_ulps(l, log_ref, log_spaced(1e-45, 3e38)) <= 1);  // subnormals to near FLT_MAX
  CHECK(max_ulps(l, log_ref, evenly(0.5, 2)) <= 1);
  CHECK(max_ulps(l1, log1p_ref, evenly(-0.999, 10)) <= 2);
  CHECK(max_ulps(l1, log1p_ref, log_spaced(1e-30, 1e30)) <= 2);  // accurate for tiny x, unlike log(1 + x)
  CHECK(max_ulps(l1, log1p_ref, log_spaced(1e-30, 0.99999, -1)) <= 2);
}

TEST_CASE("float32 tanh, sigmoid, sin, cos, gelu, silu, softplus accuracy in ulps") {
  auto op = [](Tensor (*f)(const Tensor&)) { return [f](const Tensor& t) { return f(t); }; };
  CHECK(max_ulps(op(tanh), [](double v) { return std::tanh(v); }, evenly(-10, 10)) <= 2);
  CHECK(max_ulps(op(tanh), [](double v) { return std::tanh(v); }, log_spaced(1e-30, 1e4, -1)) <= 2);
  CHECK(max_ulps(op(sigmoid), sigmoid_ref, evenly(-110, 40)) <= 3);
  CHECK(max_ulps(op(sin), [](double v) { return std::sin(v); }, evenly(-10, 10)) <= 2);
  CHECK(max_ulps(op(cos), [](double v) { return std::cos(v); }, evenly(-10, 10)) <= 2);
  CHECK(max_ulps(op(sin), [](double v) { return std::sin(v); }, evenly(-1e4, 1e4)) <= 2);
  CHECK(max_ulps(op(cos), [](double v) { return std::cos(v); }, evenly(-1e4, 1e4)) <= 2);
  auto g = [](const Tensor& t) { return gelu(t); };
  auto gt = [](const Tensor& t) { return gelu(t, "tanh"); };
  CHECK(max_ulps(g, gelu_ref, evenly(-9, 14)) <= 20);  // outputs down to ~1e-18 in the left tail
  CHECK(max_ulps(gt, gelu_tanh_ref, evenly(-2, 14)) <= 8);
  // Further left y = x sigmoid(2g) inherits the conditioning of exp at 2g: about |2g| ulps.
  for (double lo = -9; lo < -2; lo += 1) {
    double two_g = 2 * std::sqrt(2 / M_PI) * (lo + 0.044715 * lo * lo * lo);
    CHECK(max_ulps(gt, gelu_tanh_ref, evenly(lo, lo + 1, 10001)) <= 4 * std::abs(two_g));
  }
  CHECK(max_ulps(op(silu), [](double v) { return v * sigmoid_ref(v); }, evenly(-80, 30)) <= 4);
  CHECK(max_ulps([](const Tensor& t) { return softplus(t); }, softplus_ref, evenly(-100, 30)) <= 2);
}

TEST_CASE("float32 fused derivatives match float64 ones") {
  std::vector<float> xs = evenly(-9, 9, 20001);
  Tensor x32 = from_vector(xs, {20001}, {.requires_grad = true});
  Tensor x64 = from_vector(xs, {20001}, {.dtype = kFloat64, .requires_grad = true});
  for (const auto& f : std::vector<std::function<Tensor(const Tensor&)>>{
           [](const Tensor& t) { return gelu(t); }, [](const Tensor& t) { return gelu(t, "tanh"); },
           [](const Tensor& t) { return silu(t); }, [](const Tensor& t) { return tanh(t); },
           [](const Tensor& t) { return sigmoid(t); }, [](const Tensor& t) { return softplus(t); },
           [](const Tensor& t) { return sin(t); }, [](const Tensor& t) { return exp(t * 0.1); }}) {
    x32.mutable_grad() = Tensor();
    x64.mutable_grad() = Tensor();
    f(x32).sum().backward();
    f(x64).sum().backward();
    std::vector<double> g32 = vals(x32.grad()), g64 = vals(x64.grad());
    double worst = 0;
    for (size_t i = 0; i < xs.size(); ++i)
      worst = std::max(worst, std::abs(g32[i] - g64[i]) / (1 + std::abs(g64[i])));
    CHECK(worst <= 4e-7);
  }
}

TEST_CASE("special values: inf, NaN, 0 and stability at +-1e4") {
  Tensor s = tensor({0, -0.0, kInf, -kInf, kNaN, 1e4, -1e4});
  std::vector<double> e = vals(exp(s)), t = vals(tanh(s)), sg = vals(sigmoid(s)), sp = vals(softplus(s));
  CHECK(e[0] == 1);
  CHECK(e[2] == kInf);
  CHECK(e[3] == 0);
  CHECK(std::isnan(e[4]));
  CHECK(e[5] == kInf);
  CHECK(e[6] == 0);
  CHECK(t[2] == 1);
  CHECK(t[3] == -1);
  CHECK(std::isnan(t[4]));
  CHECK(t[5] == 1);
  CHECK(t[6] == -1);
  CHECK(sg[0] == 0.5);
  CHECK(sg[2] == 1);
  CHECK(sg[3] == 0);
  CHECK(std::isnan(sg[4]));
  CHECK(sg[5] == 1);
  CHECK(sg[6] == 0);
  CHECK(sp[5] == 1e4);
  CHECK(sp[6] == 0);
  Tensor big = tensor({1e4, -1e4}, {.dtype = kFloat64});
  CHECK(vals(sigmoid(big)) == std::vector<double>{1, 0});
  CHECK(vals(silu(big)) == std::vector<double>{1e4, -0.0});
  CHECK(vals(gelu(big)) == std::vector<double>{1e4, -0.0});
  CHECK(vals(gelu(tensor({1e4, -1e4}), "tanh")) == std::vector<double>{1e4, -0.0});
  std::vector<double> l = vals(log(tensor({0, -1, kInf, kNaN, 1})));
  CHECK(l[0] == -kInf);
  CHECK(std::isnan(l[1]));
  CHECK(l[2] == kInf);
  CHECK(std::isnan(l[3]));
  CHECK(l[4] == 0);
  std::vector<double> l1 = vals(log1p(tensor({-1, -2, kInf, 1e-10f})));
  CHECK(l1[0] == -kInf);
  CHECK(std::isnan(l1[1]));
  CHECK(l1[2] == kInf);
  CHECK(l1[3] == Approx(double(1e-10f)).scale(0).epsilon(1e-7));  // log(1 + x) would give 0
  std::vector<double> r = vals(relu(tensor({kNaN, -2, 3})));
  CHECK(std::isnan(r[0]));
  CHECK(r[1] == 0);
  CHECK(r[2] == 3);
  // Gradients stay finite far out.
  Tensor x = tensor({1e4, -1e4}, {.requires_grad = true});
  (sigmoid(x) + tanh(x) + silu(x) + gelu(x) + softplus(x)).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{3, 0});
}

TEST_CASE("softplus threshold, leaky_relu slope, clamp bounds") {
  Tensor x = tensor({-2, 0.5, 15, 25}, {.dtype = kFloat64});
  CHECK(vals(softplus(x))[3] == 25);  // beta x > 20: the identity
  CHECK(vals(softplus(x))[2] == Approx(std::log1p(std::exp(15.0))).epsilon(1e-15));
  CHECK(vals(softplus(x, 1, 10))[2] == 15);
  CHECK(vals(leaky_relu(x, 0.5)) == std::vector<double>{-1, 0.5, 15, 25});
  CHECK(vals(leaky_relu(x)) == std::vector<double>{-0.02, 0.5, 15, 25});
  CHECK(vals(clamp(x, 0.0, 20.0)) == std::vector<double>{0, 0.5, 15, 20});
  CHECK(vals(clamp(x, 1.0)) == std::vector<double>{1, 1, 15, 25});
  CHECK(vals(clamp(x, std::nullopt, 1.0)) == std::vector<double>{-2, 0.5, 1, 1});
  CHECK(vals(clamp(x, 3.0, 1.0)) == std::vector<double>{1, 1, 1, 1});  // min > max: all max, as PyTorch
  CHECK(std::isnan(vals(clamp(tensor({kNaN}), 0.0, 1.0))[0]));
  // The gradient passes where lo <= x <= hi, bounds included.
  Tensor y = tensor({-1, 0, 0.5, 1, 2}, {.requires_grad = true});
  clamp(y, 0.0, 1.0).sum().backward();
  CHECK(vals(y.grad()) == std::vector<double>{0, 1, 1, 1, 0});
  Tensor z = tensor({-1, 0, 2}, {.requires_grad = true});
  (relu(z) + abs(z) + leaky_relu(z, 0.25)).sum().backward();
  CHECK(vals(z.grad()) == std::vector<double>{-0.75, 0.25, 3});
}

TEST_CASE("maximum and minimum: values, NaN, and gradients split equally at ties") {
  Tensor a = tensor({1, 5, 3, kNaN, 2}), b = tensor({4, 2, 3, 1, kNaN});
  std::vector<double> mx = vals(maximum(a, b)), mn = vals(minimum(a, b));
  CHECK(mx[0] == 4);
  CHECK(mx[1] == 5);
  CHECK(mx[2] == 3);
  CHECK(std::isnan(mx[3]));
  CHECK(std::isnan(mx[4]));
  CHECK(mn[0] == 1);
  CHECK(mn[1] == 2);
  CHECK(std::isnan(mn[3]));
  CHECK(std::isnan(mn[4]));
  Tensor p = tensor({1, 5, 3}, {.requires_grad = true}), q = tensor({4, 2, 3}, {.requires_grad = true});
  maximum(p, q).sum().backward();
  CHECK(vals(p.grad()) == std::vector<double>{0, 1, 0.5});
  CHECK(vals(q.grad()) == std::vector<double>{1, 0, 0.5});
  p.mutable_grad() = Tensor();
  q.mutable_grad() = Tensor();
  minimum(p, q).sum().backward();
  CHECK(vals(p.grad()) == std::vector<double>{1, 0, 0.5});
  CHECK(vals(q.grad()) == std::vector<double>{0, 1, 0.5});
  CHECK(vals(maximum(grid({2, 2}), tensor({1.5, 0.5}))) == std::vector<double>{1.5, 1, 2, 3});
}

TEST_CASE("int64: arithmetic, neg, abs, maximum, minimum and comparisons") {
  Tensor a = i64({7, -3, 0}), b = i64({2, 5, -4});
  CHECK((a + b).dtype() == kInt64);
  CHECK(ivals(a + b) == std::vector<int64_t>{9, 2, -4});
  CHECK(ivals(a - b) == std::vector<int64_t>{5, -8, 4});
  CHECK(ivals(a * b) == std::vector<int64_t>{14, -15, 0});
  CHECK(ivals(a * 3.0) == std::vector<int64_t>{21, -9, 0});
  CHECK(ivals(add(a, b, 2)) == std::vector<int64_t>{11, 7, -8});
  CHECK(ivals(-a) == std::vector<int64_t>{-7, 3, 0});
  CHECK(ivals(abs(a)) == std::vector<int64_t>{7, 3, 0});
  CHECK(ivals(maximum(a, b)) == std::vector<int64_t>{7, 5, 0});
  CHECK(ivals(minimum(a, b)) == std::vector<int64_t>{2, -3, -4});
  CHECK(ivals(a + i64({100})) == std::vector<int64_t>{107, 97, 100});
  int64_t big = (int64_t{1} << 53) + 1;  // not representable in float64: stays exact in int64
  CHECK(ivals(from_vector(std::vector<int64_t>{big}, {1}, {.dtype = kInt64}) + i64({1}))[0] == big + 1);
  CHECK(bvals(a > b) == std::vector<bool>{true, false, true});
  CHECK(bvals(a == 0.0) == std::vector<bool>{false, false, true});
  CHECK((a < b).dtype() == kBool);
}

TEST_CASE("comparisons give bool; logical ops and where, masked_fill") {
  Tensor a = tensor({1, 2, 3, kNaN}), b = tensor({3, 2, 1, kNaN});
  CHECK(bvals(a == b) == std::vector<bool>{false, true, false, false});
  CHECK(bvals(a != b) == std::vector<bool>{true, false, true, true});
  CHECK(bvals(a < b) == std::vector<bool>{true, false, false, false});
  CHECK(bvals(a <= b) == std::vector<bool>{true, true, false, false});
  CHECK(bvals(a > b) == std::vector<bool>{false, false, true, false});
  CHECK(bvals(a >= b) == std::vector<bool>{false, true, true, false});
  CHECK(bvals(eq(a, b)) == bvals(a == b));
  CHECK(bvals(a > 1.5) == std::vector<bool>{false, true, true, false});
  CHECK(bvals(a <= 2.0) == std::vector<bool>{true, true, false, false});
  CHECK(bvals(a != 1.0) == std::vector<bool>{false, true, true, true});
  CHECK(bvals(a >= 3.0) == std::vector<bool>{false, false, true, false});
  CHECK(bvals(a < 3.0) == std::vector<bool>{true, true, false, false});
  Tensor p = tensor({1, 1, 0, 0}) > 0.5, q = tensor({1, 0, 1, 0}) > 0.5;
  CHECK(bvals(p & q) == std::vector<bool>{true, false, false, false});
  CHECK(bvals(p | q) == std::vector<bool>{true, true, true, false});
  CHECK(bvals(!p) == std::vector<bool>{false, false, true, true});
  CHECK(bvals(logical_and(p, tensor({1}) > 0.0)) == bvals(p));  // broadcast
  CHECK(bvals(p == q) == std::vector<bool>{true, false, false, true});
  CHECK(bvals(p < q) == std::vector<bool>{false, false, true, false});
  Tensor m = grid({2, 3});
  Tensor cond = tensor({1, 0, 1}) > 0.5;
  CHECK(vals(where(cond, m, -m)) == std::vector<double>{0, -1, 2, 3, -4, 5});
  CHECK(vals(where(cond, m, 9.0)) == std::vector<double>{0, 9, 2, 3, 9, 5});
  CHECK(vals(where(m > 2.5, 1.0, m)) == std::vector<double>{0, 1, 2, 1, 1, 1});
  CHECK(vals(where(tensor({1, 0}).reshape({2, 1}) > 0.5, tensor({7, 8, 9}), scalar_tensor(-1))) ==
        std::vector<double>{7, 8, 9, -1, -1, -1});  // (2, 1), (3,), () -> (2, 3)
  CHECK(ivals(where(cond, i64({1, 2, 3}), i64({-1}))) == std::vector<int64_t>{1, -1, 3});
  CHECK(vals(masked_fill(m, cond, -5)) == std::vector<double>{-5, 1, -5, -5, 4, -5});
  CHECK(vals(m.masked_fill(m > 3.5, 0)) == std::vector<double>{0, 1, 2, 3, 0, 0});
  // where's gradient goes to the chosen side only.
  Tensor x = tensor({1, 2, 3}, {.requires_grad = true}), y = tensor({4, 5, 6}, {.requires_grad = true});
  where(cond, x, y).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{1, 0, 1});
  CHECK(vals(y.grad()) == std::vector<double>{0, 1, 0});
}

TEST_CASE("allclose and equal") {
  Tensor a = tensor({1, 2, 3});
  CHECK(allclose(a, a + 1e-7));
  CHECK(!allclose(a, a + 1e-3));
  CHECK(allclose(a, a + 1e-3, 1e-2));
  CHECK(allclose(a, a + 0.5, 0, 0.6));
  CHECK(!allclose(a, tensor({1, 2})));
  CHECK(!allclose(tensor({kNaN}), tensor({kNaN})));
  CHECK(equal(a, tensor({1, 2, 3})));
  CHECK(!equal(a, tensor({1, 2, 4})));
  CHECK(!equal(a, tensor({{1, 2, 3}})));  // same values, different shape
  CHECK(!equal(tensor({kNaN}), tensor({kNaN})));
  CHECK(equal(i64({5, 6}), i64({5, 6})));
}

TEST_CASE("in-place accumulation: out aliasing an operand") {
  Tensor x = grid({4, 5});
  x.add_(tensor({1, 1, 1, 1, 1}));
  x.add_(grid({4, 5}), 2);
  std::vector<double> v = vals(x);
  for (int64_t i = 0; i < 20; ++i) CHECK(v[i] == 3 * i + 1);
}

TEST_CASE("errors: shapes that do not broadcast name the op and both shapes") {
  Tensor a = ones({2, 3}), b = ones({4});
  CHECK_THROWS_WITH_AS(a + b, Contains("add: shapes (2, 3) and (4,) do not broadcast"), Error);
  CHECK_THROWS_WITH_AS(add(a, b, 2), Contains("add: shapes (2, 3) and (4,) do not broadcast"), Error);
  CHECK_THROWS_WITH_AS(a - b, Contains("sub: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(a * b, Contains("mul: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(a / b, Contains("div: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(pow(a, b), Contains("pow: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(maximum(a, b), Contains("maximum: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(minimum(a, b), Contains("minimum: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(a < b, Contains("lt: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(a == b, Contains("eq: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS((a > 0.0) & (b > 0.0), Contains("logical_and: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(where(a > 0.0, a, b), Contains("where: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(where(b > 0.0, a, a), Contains("where: shapes (4,) and (2, 3)"), Error);
  CHECK_THROWS_WITH_AS(masked_fill(a, b > 0.0, 1), Contains("masked_fill: shapes (2, 3) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(masked_fill(ones({3}), ones({2, 3}) > 0.0, 1),
                       Contains("masked_fill: mask of shape (2, 3) does not broadcast to the input's shape (3,)"),
                       Error);
}

TEST_CASE("errors: dtype mismatches, integer and bool inputs") {
  Tensor f = ones({2}), d = ones({2}, {.dtype = kFloat64}), i = ones({2}, {.dtype = kInt64});
  Tensor m = f > 0.0;
  CHECK_THROWS_WITH_AS(f + d, Contains("add: dtype mismatch, float32 (2,) and float64 (2,)"), Error);
  CHECK_THROWS_WITH_AS(f * i, Contains("mul: dtype mismatch, float32 (2,) and int64 (2,)"), Error);
  CHECK_THROWS_WITH_AS(f < d, Contains("lt: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(where(m, f, d), Contains("where: dtype mismatch, float32 (2,) and float64 (2,)"), Error);
  CHECK_THROWS_WITH_AS(allclose(f, d), Contains("allclose: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(equal(f, i), Contains("equal: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(i / i, Contains("div: expected a floating-point tensor (float32 or float64), got int64 of "
                                       "shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(pow(i, i), Contains("pow: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(pow(i, 2.0), Contains("pow: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(pow(2.0, i), Contains("pow: expected a floating-point tensor"), Error);
  using Op = std::function<Tensor(const Tensor&)>;
  std::vector<std::pair<const char*, Op>> float_only = {
      {"exp", [](const Tensor& t) { return exp(t); }},         {"log", [](const Tensor& t) { return log(t); }},
      {"log1p", [](const Tensor& t) { return log1p(t); }},     {"sqrt", [](const Tensor& t) { return sqrt(t); }},
      {"rsqrt", [](const Tensor& t) { return rsqrt(t); }},     {"sin", [](const Tensor& t) { return sin(t); }},
      {"cos", [](const Tensor& t) { return cos(t); }},         {"tanh", [](const Tensor& t) { return tanh(t); }},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }}, {"relu", [](const Tensor& t) { return relu(t); }},
      {"leaky_relu", [](const Tensor& t) { return leaky_relu(t); }},
      {"gelu", [](const Tensor& t) { return gelu(t); }},       {"silu", [](const Tensor& t) { return silu(t); }},
      {"softplus", [](const Tensor& t) { return softplus(t); }},
      {"clamp", [](const Tensor& t) { return clamp(t, 0.0); }}};
  for (const auto& [name, op] : float_only) {
    CAPTURE(name);
    std::string int_message =
        std::string(name) + ": expected a floating-point tensor (float32 or float64), got int64 of shape (2,)";
    std::string bool_message = std::string(name) + ": expected a floating-point tensor";
    CHECK_THROWS_WITH_AS(op(i), Contains(int_message.c_str()), Error);
    CHECK_THROWS_WITH_AS(op(m), Contains(bool_message.c_str()), Error);
  }
  CHECK_THROWS_WITH_AS(m + m, Contains("add: expected a numeric tensor (float32, float64 or int64), got bool of "
                                       "shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(-m, Contains("neg: expected a numeric tensor"), Error);
  CHECK_THROWS_WITH_AS(abs(m), Contains("abs: expected a numeric tensor"), Error);
  CHECK_THROWS_WITH_AS(maximum(m, m), Contains("maximum: expected a numeric tensor"), Error);
  CHECK_THROWS_WITH_AS(f & f, Contains("logical_and: expected a bool tensor, got float32 of shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(m | i, Contains("logical_or: expected a bool tensor, got int64 of shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(!f, Contains("logical_not: expected a bool tensor, got float32"), Error);
  CHECK_THROWS_WITH_AS(where(f, f, f), Contains("where: expected a bool tensor, got float32 of shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(masked_fill(f, i, 0), Contains("masked_fill: expected a bool tensor, got int64"), Error);
}

TEST_CASE("errors: bad options and undefined tensors") {
  Tensor x = ones({2});
  CHECK_THROWS_WITH_AS(gelu(x, "erf"), Contains("gelu: approximate must be \"none\" or \"tanh\", got \"erf\""),
                       Error);
  CHECK_THROWS_WITH_AS(clamp(x, std::nullopt, std::nullopt),
                       Contains("clamp: at least one of min and max must be given"), Error);
  Tensor u;
  CHECK_THROWS_WITH_AS(u + x, Contains("add: got an undefined tensor"), Error);
  CHECK_THROWS_WITH_AS(x * u, Contains("mul: got an undefined tensor"), Error);
  CHECK_THROWS_WITH_AS(u * 2.0, Contains("mul: got an undefined tensor"), Error);
  CHECK_THROWS_WITH_AS(2.0 - u, Contains("sub: got an undefined tensor"), Error);
  CHECK_THROWS_WITH_AS(where(x > 0.0, u, 1.0), Contains("where: got an undefined tensor"), Error);
  CHECK_THROWS_WITH_AS(sigmoid(u), Contains("sigmoid: got an undefined tensor"), Error);
}
