// Gaussian fits against numpy.cov, and the Frechet distance against closed forms and a float64 numpy
// recomputation (fid_reference.h, made by make_fid_reference.py).
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "fid_reference.h"
#include "muse/metrics/frechet_distance.h"
#include "muse/ops.h"

using namespace muse;
using metrics::fit_gaussian;
using metrics::frechet_distance;
using metrics::GaussianAccumulator;
using metrics::GaussianFit;
using doctest::Approx;
using doctest::Contains;

namespace {

Tensor features(const std::vector<double>& values, int64_t n) {
  return from_vector(values, {n, ref::kD}, {.dtype = kFloat64});
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tolerance) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(tolerance));
}

// (N, D) standard normal features scaled per column, in float64.
Tensor random_features(int64_t n, int64_t d, uint64_t seed) {
  Generator gen(seed);
  return mul(randn({n, d}, {.dtype = kFloat64}, gen), linspace(0.5, 2.0, d, {.dtype = kFloat64}));
}

}  // namespace

TEST_CASE("fit_gaussian: mean and unbiased covariance equal numpy's") {
  GaussianFit fit = fit_gaussian(features(ref::kFeaturesA, ref::kNA));
  CHECK(fit.count == ref::kNA);
  CHECK(fit.dim() == ref::kD);
  check_close(fit.mean, ref::kMeanA, 1e-13);
  check_close(fit.covariance, ref::kCovarianceA, 1e-13);
}

TEST_CASE("fit_gaussian: float32, transposed (non-contiguous) input and batches give the same fit") {
  Tensor x = features(ref::kFeaturesA, ref::kNA);  // (40, 6)
  GaussianFit whole = fit_gaussian(x);
  GaussianFit f32 = fit_gaussian(x.to(kFloat32));
  check_close(f32.covariance, whole.covariance, 1e-6);
  GaussianFit strided = fit_gaussian(x.t().contiguous().t());
  check_close(strided.covariance, whole.covariance, 1e-15);

  GaussianAccumulator acc;  // uneven batches, one of them empty
  for (auto [begin, end] : std::vector<std::pair<int64_t, int64_t>>{{0, 7}, {7, 7}, {7, 8}, {8, 29}, {29, 40}})
    acc.add(x.slice(0, begin, end));
  CHECK(acc.count() == ref::kNA);
  GaussianFit batched = acc.finish();
  CHECK(batched.count == ref::kNA);
  check_close(batched.mean, whole.mean, 1e-14);
  check_close(batched.covariance, whole.covariance, 1e-13);
}

TEST_CASE("fit_gaussian: batches keep precision when the mean dwarfs the spread") {
  // Features 1e6 + N(0, 1): sum-of-squares formulas lose about 12 of 16 digits here; Chan's merge does not.
  Tensor x = add(random_features(300, 4, 11), scalar_tensor(1e6, {.dtype = kFloat64}));
  GaussianFit whole = fit_gaussian(x);
  GaussianAccumulator acc;
  for (int64_t b = 0; b < 300; b += 32) acc.add(x.slice(0, b, std::min<int64_t>(b + 32, 300)));
  check_close(acc.finish().covariance, whole.covariance, 1e-9);
}

TEST_CASE("frechet_distance: equals the float64 numpy recomputation") {
  GaussianFit a = fit_gaussian(features(ref::kFeaturesA, ref::kNA));
  GaussianFit b = fit_gaussian(features(ref::kFeaturesB, ref::kNB));
  GaussianFit c = fit_gaussian(features(ref::kFeaturesC, ref::kNC));  // N = 4 < D = 6: singular
  CHECK(frechet_distance(a, b) == Approx(ref::kFidAB).epsilon(1e-12));
  CHECK(frechet_distance(b, a) == Approx(ref::kFidBA).epsilon(1e-12));
  // S_c has D - N + 1 = 3 zero eigenvalues that both sides compute as rounding noise e around 1e-16
  // |S|; their square roots, around 1e-8 sqrt(|S|), limit the agreement (sqrtm fares no better).
  CHECK(frechet_distance(a, c) == Approx(ref::kFidAC).epsilon(1e-7));
  CHECK(frechet_distance(c, b) == Approx(ref::kFidCB).epsilon(1e-7));
}

TEST_CASE("frechet_distance: a set against itself is 0 and the distance is symmetric") {
  for (int64_t d : {1, 6, 64}) {
    CAPTURE(d);
    GaussianFit a = fit_gaussian(random_features(3 * d + 5, d, 1));
    GaussianFit b = fit_gaussian(random_features(2 * d + 9, d, 2));
    double scale = 0;  // tr(S_a) + tr(S_b): the size of the terms that cancel
    for (int64_t i = 0; i < d; ++i) scale += a.covariance[i * d + i] + b.covariance[i * d + i];
    CHECK(frechet_distance(a, a) <= 1e-9 * scale);
    CHECK(frechet_distance(a, b) == Approx(frechet_distance(b, a)).epsilon(1e-12));
    CHECK(frechet_distance(a, b) > 0);
  }
}

TEST_CASE("frechet_distance: closed forms for shifted, scaled and diagonal Gaussians") {
  const int64_t d = 32;
  Tensor x = random_features(100, d, 5);
  GaussianFit a = fit_gaussian(x);
  double mean2 = 0, trace = 0;  // |mu_a|^2 and tr(S_a)
  for (int64_t i = 0; i < d; ++i) mean2 += a.mean[i] * a.mean[i], trace += a.covariance[i * d + i];

  // x + c: equal covariances, so d^2 = |c|^2.
  Tensor c = linspace(-1.0, 2.0, d, {.dtype = kFloat64});
  CHECK(frechet_distance(a, fit_gaussian(add(x, c))) == Approx(sum(mul(c, c)).item()).epsilon(1e-9));

  // s x: mean s mu, covariance s^2 S, so d^2 = (s - 1)^2 |mu|^2 + (1 + s^2 - 2 s) tr(S) = (s - 1)^2 (|mu|^2 + tr S).
  const double s = 2.5;
  GaussianFit scaled = fit_gaussian(mul(x, scalar_tensor(s, {.dtype = kFloat64})));
  CHECK(frechet_distance(a, scaled) == Approx((s - 1) * (s - 1) * (mean2 + trace)).epsilon(1e-9));

  // Diagonal covariances: d^2 = |mu_a - mu_b|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
  GaussianFit p{{1, 0, -2}, {4, 0, 0, 0, 1, 0, 0, 0, 9}, 10};
  GaussianFit q{{0, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 0.25}, 10};
  CHECK(frechet_distance(p, q) == Approx(1 + 4 + 1 + 0 + 6.25).epsilon(1e-14));
}

TEST_CASE("frechet_distance: D = 256 from 2,000 samples each, and how long it takes") {
  const int64_t d = 256;
  GaussianFit a = fit_gaussian(random_features(2000, d, 8));
  GaussianFit b = fit_gaussian(add(random_features(2000, d, 9), scalar_tensor(0.1, {.dtype = kFloat64})));
  const auto start = std::chrono::steady_clock::now();
  const double fid = frechet_distance(a, b);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("frechet_distance at D = 256: ", seconds, " s");
  CHECK(fid == Approx(frechet_distance(b, a)).epsilon(1e-10));
  CHECK(fid > 256 * 0.01);  // at least the mean term, about |0.1 1|^2 = 2.56
}

TEST_CASE("fit_gaussian and frechet_distance: errors name the function and the dims") {
  CHECK_THROWS_WITH_AS(fit_gaussian(zeros({5})), Contains("fit_gaussian: features must be (N, D), got (5,)"), Error);
  CHECK_THROWS_WITH_AS(fit_gaussian(zeros({5, 2}, {.dtype = kInt64})),
                       Contains("fit_gaussian: features must be float32 or float64, got int64 of shape (5, 2)"), Error);
  CHECK_THROWS_WITH_AS(fit_gaussian(zeros({1, 3})),
                       Contains("fit_gaussian: a covariance needs at least 2 samples, got 1 of dimension 3"), Error);
  Tensor bad = zeros({4, 3});
  bad.narrow(0, 2, 1).narrow(1, 1, 1).fill_(NAN);
  CHECK_THROWS_WITH_AS(fit_gaussian(bad),
                       Contains("fit_gaussian: features of shape (4, 3) have a non-finite value at (2, 1)"), Error);

  GaussianAccumulator acc;
  acc.add(ones({3, 4}));
  CHECK_THROWS_WITH_AS(acc.add(ones({3, 5})),
                       Contains("GaussianAccumulator::add: features of shape (3, 5) after batches of dimension D = 4"),
                       Error);
  CHECK_THROWS_WITH_AS(GaussianAccumulator().finish(),
                       Contains("GaussianAccumulator::finish: a covariance needs at least 2 samples, got 0"), Error);

  GaussianFit a{{0, 0}, {1, 0, 0, 1}, 5};
  GaussianFit b{{0, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, 5};
  CHECK_THROWS_WITH_AS(frechet_distance(a, b),
                       Contains("frechet_distance: the fits have different dimensions, D = 2 and 3"), Error);
  GaussianFit one{{0, 0}, {1, 0, 0, 1}, 1};
  CHECK_THROWS_WITH_AS(frechet_distance(a, one),
                       Contains("frechet_distance: fit b (D = 2) has 1 samples; a covariance needs at least 2"), Error);
  GaussianFit nan{{0, NAN}, {1, 0, 0, 1}, 5};
  CHECK_THROWS_WITH_AS(frechet_distance(nan, a),
                       Contains("frechet_distance: fit a (D = 2) has a non-finite mean or covariance"), Error);
  GaussianFit short_cov{{0, 0}, {1, 0, 0}, 5};
  CHECK_THROWS_WITH_AS(frechet_distance(a, short_cov),
                       Contains("frechet_distance: fit b has a mean of dimension 2 but 3 covariance entries, not (2, 2)"),
                       Error);
}
