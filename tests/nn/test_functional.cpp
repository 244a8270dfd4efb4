// Losses against float64 recomputations written as plain loops, in every reduction; stability of the
// logits forms at +-1e4; gradcheck of each loss with respect to its input; and each error message.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "muse/gradcheck.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"

using namespace muse;
namespace F = muse::nn::functional;
using F::Reduction;

namespace {

const TensorOptions f64{.dtype = kFloat64};

Tensor vec64(const std::vector<double>& v, const Shape& shape) { return from_vector(v, shape, f64); }

// Checks loss(None) elementwise against ref, and Sum / Mean against their sum and mean.
template <class Loss>
void check_reductions(Loss loss, const std::vector<double>& ref) {
  std::vector<double> got = loss(Reduction::None).template to_vector<double>();
  REQUIRE(got.size() == ref.size());
  double total = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    CHECK(got[i] == doctest::Approx(ref[i]).epsilon(1e-12));
    total += ref[i];
  }
  CHECK(loss(Reduction::Sum).item() == doctest::Approx(total).epsilon(1e-12));
  CHECK(loss(Reduction::Mean).item() == doctest::Approx(total / static_cast<double>(ref.size())).epsilon(1e-12));
  CHECK(loss(Reduction::Mean).dim() == 0);
}

std::vector<double> values(const Tensor& t) { return t.to(kFloat64).to_vector<double>(); }

}  // namespace

TEST_CASE("functional: mse_loss and l1_loss") {
  Tensor x = randn({3, 4}, f64), y = randn({3, 4}, f64);
  std::vector<double> xv = values(x), yv = values(y), sq, ab;
  for (size_t i = 0; i < xv.size(); ++i) {
    sq.push_back((xv[i] - yv[i]) * (xv[i] - yv[i]));
    ab.push_back(std::abs(xv[i] - yv[i]));
  }
  check_reductions([&](Reduction r) { return F::mse_loss(x, y, r); }, sq);
  check_reductions([&](Reduction r) { return F::l1_loss(x, y, r); }, ab);
  CHECK(F::mse_loss(tensor({1, 2}), tensor({3, 2})).item() == 2);  // ((-2)^2 + 0) / 2, default mean
  CHECK(F::l1_loss(tensor({1, 2}), tensor({3, 5})).item() == 2.5);

  Tensor xg = randn({3, 4}, {.dtype = kFloat64, .requires_grad = true});
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::mse_loss(in[0], y); }, {xg}));
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::l1_loss(in[0], y, Reduction::Sum); }, {xg}));
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::mse_loss(in[0], y, Reduction::None); }, {xg}));

  CHECK_THROWS_WITH_AS(F::mse_loss(zeros({3, 4}), zeros({3, 5})),
                       "mse_loss: input (3, 4) and target (3, 5) have different shapes", Error);
  CHECK_THROWS_WITH_AS(F::l1_loss(zeros({2}), zeros({3})), "l1_loss: input (2,) and target (3,) have different shapes",
                       Error);
  CHECK_THROWS_WITH_AS(F::mse_loss(zeros({2}), zeros({2}, f64)), "mse_loss: input is float32 but target is float64",
                       Error);
  CHECK_THROWS_WITH_AS(F::l1_loss(zeros({2}, {.dtype = kInt64}), zeros({2}, {.dtype = kInt64})),
                       "l1_loss: input must be float32 or float64, got int64", Error);
}

TEST_CASE("functional: binary_cross_entropy") {
  std::vector<double> p = {0.1, 0.5, 0.9, 0.3, 0.0, 1.0}, t = {0, 1, 1, 0.25, 1, 1}, ref;
  for (size_t i = 0; i < p.size(); ++i)
    ref.push_back(-(t[i] * std::max(std::log(p[i]), -100.0) + (1 - t[i]) * std::max(std::log(1 - p[i]), -100.0)));
  CHECK(ref[4] == 100);  // log 0 clamped at -100
  Tensor pt = vec64(p, {2, 3}), tt = vec64(t, {2, 3});
  check_reductions([&](Reduction r) { return F::binary_cross_entropy(pt, tt, r); }, ref);

  // The clamp keeps the gradient finite where p is exactly 0 or 1.
  Tensor pg = vec64(p, {2, 3}).requires_grad_();
  F::binary_cross_entropy(pg, tt).backward();
  for (double g : values(pg.grad())) CHECK(std::isfinite(g));

  Tensor pc = (rand({2, 3}, f64) * 0.8 + 0.1).requires_grad_();
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::binary_cross_entropy(in[0], tt); }, {pc}));
  CHECK_THROWS_WITH_AS(F::binary_cross_entropy(zeros({2, 3}), zeros({3, 2})),
                       "binary_cross_entropy: input (2, 3) and target (3, 2) have different shapes", Error);
}

TEST_CASE("functional: binary_cross_entropy_with_logits") {
  std::vector<double> x = {-3, -0.5, 0, 0.7, 2, 5}, t = {0, 1, 1, 0.3, 0, 1}, pw = {2.0, 0.5, 3.0};
  std::vector<double> ref, ref_pw;
  for (size_t i = 0; i < x.size(); ++i) {
    double s = 1 / (1 + std::exp(-x[i])), p = pw[i % 3];
    ref.push_back(-(t[i] * std::log(s) + (1 - t[i]) * std::log(1 - s)));
    ref_pw.push_back(-(p * t[i] * std::log(s) + (1 - t[i]) * std::log(1 - s)));
  }
  Tensor xt = vec64(x, {2, 3}), tt = vec64(t, {2, 3}), pwt = vec64(pw, {3});
  check_reductions([&](Reduction r) { return F::binary_cross_entropy_with_logits(xt, tt, r); }, ref);
  check_reductions([&](Reduction r) { return F::binary_cross_entropy_with_logits(xt, tt, r, pwt); }, ref_pw);

  // Gradient sigmoid(x) - t, also at the kink x = 0; with pos_weight, (1 - t) sigmoid(x) - p t (1 - sigmoid(x)).
  Tensor xg = vec64(x, {2, 3}).requires_grad_();
  F::binary_cross_entropy_with_logits(xg, tt, Reduction::Sum).backward();
  std::vector<double> g = values(xg.grad());
  for (size_t i = 0; i < x.size(); ++i) CHECK(g[i] == doctest::Approx(1 / (1 + std::exp(-x[i])) - t[i]));

  Tensor xc = randn({2, 3}, {.dtype = kFloat64, .requires_grad = true});
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::binary_cross_entropy_with_logits(in[0], tt); }, {xc}));
  CHECK(gradcheck([&](const std::vector<Tensor>& in) {
    return F::binary_cross_entropy_with_logits(in[0], tt, Reduction::None, pwt);
  }, {xc}));

  // Stable at +-1e4 in float32: loss is 0 or |x| per element, gradient sigmoid(x) - t in {-1, 0, 1}.
  auto check_stable = [](std::optional<Tensor> w) {
    Tensor big = tensor({1e4, -1e4, 1e4, -1e4}).requires_grad_();
    Tensor tb = tensor({1, 0, 0, 1});
    Tensor loss = F::binary_cross_entropy_with_logits(big, tb, Reduction::None, w);
    CHECK(values(loss) == std::vector<double>{0, 0, 1e4, 1e4});
    sum(loss).backward();
    CHECK(values(big.grad()) == std::vector<double>{0, 0, 1, -1});
  };
  check_stable({});
  check_stable(ones({4}));

  CHECK_THROWS_WITH_AS(F::binary_cross_entropy_with_logits(zeros({4}), zeros({2, 2})),
                       "binary_cross_entropy_with_logits: input (4,) and target (2, 2) have different shapes", Error);
  CHECK_THROWS_WITH_AS(F::binary_cross_entropy_with_logits(zeros({4}), zeros({4}), Reduction::Mean, ones({4}, f64)),
                       "binary_cross_entropy_with_logits: pos_weight must have the input's dtype float32", Error);
  CHECK_THROWS_WITH_AS(F::binary_cross_entropy_with_logits(zeros({4}), zeros({4}), Reduction::Mean, ones({2, 4})),
                       "binary_cross_entropy_with_logits: pos_weight (2, 4) must broadcast to input (4,)", Error);
}

namespace {

// Plain-loop log_softmax of an (N, C) row-major matrix.
std::vector<double> log_softmax_ref(const std::vector<double>& z, int64_t N, int64_t C) {
  std::vector<double> out(z.size());
  for (int64_t n = 0; n < N; ++n) {
    double m = z[n * C];
    for (int64_t c = 1; c < C; ++c) m = std::max(m, z[n * C + c]);
    double s = 0;
    for (int64_t c = 0; c < C; ++c) s += std::exp(z[n * C + c] - m);
    for (int64_t c = 0; c < C; ++c) out[n * C + c] = z[n * C + c] - m - std::log(s);
  }
  return out;
}

}  // namespace

TEST_CASE("functional: nll_loss and cross_entropy with ignore_index and label_smoothing") {
  const int64_t N = 5, C = 4;
  Tensor logits = randn({N, C}, f64);
  std::vector<double> z = values(logits), lp = log_softmax_ref(z, N, C);
  std::vector<int64_t> tv = {2, 0, -100, 3, 1};
  Tensor target = from_vector(tv, {N}, {.dtype = kInt64});

  for (double eps : {0.0, 0.2}) {
    std::vector<double> ref(N, 0.0);
    double total = 0;
    int64_t kept = 0;
    for (int64_t n = 0; n < N; ++n) {
      if (tv[n] == -100) continue;
      double smooth = 0;
      for (int64_t c = 0; c < C; ++c) smooth -= lp[n * C + c] / C;
      ref[n] = (1 - eps) * -lp[n * C + tv[n]] + eps * smooth;
      total += ref[n];
      ++kept;
    }
    CAPTURE(eps);
    std::vector<double> got = values(F::cross_entropy(logits, target, Reduction::None, -100, eps));
    for (int64_t n = 0; n < N; ++n) CHECK(got[n] == doctest::Approx(ref[n]).epsilon(1e-12));
    CHECK(F::cross_entropy(logits, target, Reduction::Sum, -100, eps).item() == doctest::Approx(total));
    // Mean divides by the 4 rows that are not ignored, as PyTorch does.
    CHECK(F::cross_entropy(logits, target, Reduction::Mean, -100, eps).item() == doctest::Approx(total / kept));
    if (eps == 0) {
      Tensor log_probs = vec64(lp, {N, C});
      CHECK(F::nll_loss(log_probs, target).item() == doctest::Approx(total / kept));
      CHECK(F::nll_loss(log_probs, target, Reduction::Sum).item() == doctest::Approx(total));
      CHECK(values(F::nll_loss(log_probs, target, Reduction::None))[2] == 0);
    }
  }

  // A custom ignore_index; then no ignored rows at all.
  std::vector<int64_t> tv2 = {2, 0, 1, 3, 1};
  Tensor t2 = from_vector(tv2, {N}, {.dtype = kInt64});
  double by_hand = (-lp[0 * C + 2] - lp[1 * C + 0] - lp[3 * C + 3]) / 3;
  CHECK(F::cross_entropy(logits, t2, Reduction::Mean, 1).item() == doctest::Approx(by_hand));
  double all = 0;
  for (int64_t n = 0; n < N; ++n) all -= lp[n * C + tv2[n]];
  CHECK(F::cross_entropy(logits, t2).item() == doctest::Approx(all / N));

  Tensor zg = randn({N, C}, {.dtype = kFloat64, .requires_grad = true});
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], target); }, {zg}));
  CHECK(gradcheck([&](const std::vector<Tensor>& in) {
    return F::cross_entropy(in[0], target, Reduction::None, -100, 0.1);
  }, {zg}));
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::nll_loss(in[0], target, Reduction::Sum); }, {zg}));

  // Stable at +-1e4 logits: finite loss and gradient.
  Tensor huge = tensor({{1e4, -1e4, 0}, {-1e4, 1e4, 1e4}}).requires_grad_();
  Tensor th = from_vector(std::vector<int64_t>{1, 0}, {2}, {.dtype = kInt64});
  Tensor loss = F::cross_entropy(huge, th, Reduction::Mean, -100, 0.1);
  CHECK(std::isfinite(loss.item()));
  loss.backward();
  for (double g : values(huge.grad())) CHECK(std::isfinite(g));

  CHECK_THROWS_WITH_AS(F::cross_entropy(zeros({N, C}), zeros({N})),
                       "cross_entropy: target must be int64 class indices, got float32", Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(zeros({N}), target), "cross_entropy: logits must be (N, C), got shape (5,)",
                       Error);
  CHECK_THROWS_WITH_AS(F::nll_loss(zeros({N, C}), zeros({3}, {.dtype = kInt64})),
                       "nll_loss: log_probs (5, 4) needs target of shape (5,), got (3,)", Error);
  Tensor bad = from_vector(std::vector<int64_t>{2, 0, 4, 3, 1}, {N}, {.dtype = kInt64});
  CHECK_THROWS_WITH_AS(F::cross_entropy(zeros({N, C}), bad),
                       "cross_entropy: target 4 at row 2 is out of range [0, 4) and not ignore_index -100", Error);
  CHECK_THROWS_WITH_AS(F::nll_loss(zeros({N, C}), target, Reduction::Mean, -1),
                       "nll_loss: target -100 at row 2 is out of range [0, 4) and not ignore_index -1", Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(zeros({N, C}), target, Reduction::Mean, -100, 1.5),
                       "cross_entropy: label_smoothing must be in [0, 1], got 1.5", Error);
}

TEST_CASE("functional: gaussian_kl") {
  Tensor mu = randn({2, 3}, f64), logvar = randn({2, 3}, f64);
  std::vector<double> m = values(mu), lv = values(logvar), ref;
  for (size_t i = 0; i < m.size(); ++i) ref.push_back(-0.5 * (1 + lv[i] - m[i] * m[i] - std::exp(lv[i])));
  check_reductions([&](Reduction r) { return F::gaussian_kl(mu, logvar, r); }, ref);
  double total = 0;
  for (double r : ref) total += r;
  CHECK(F::gaussian_kl(mu, logvar).item() == doctest::Approx(total));  // default: summed
  CHECK(F::gaussian_kl(zeros({4}), zeros({4})).item() == 0);           // N(0, 1) against itself

  Tensor mg = randn({2, 3}, {.dtype = kFloat64, .requires_grad = true});
  Tensor lg = randn({2, 3}, {.dtype = kFloat64, .requires_grad = true});
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::gaussian_kl(in[0], in[1]); }, {mg, lg}));
  CHECK_THROWS_WITH_AS(F::gaussian_kl(zeros({2, 3}), zeros({3, 2})),
                       "gaussian_kl: mu (2, 3) and logvar (3, 2) have different shapes", Error);
}
