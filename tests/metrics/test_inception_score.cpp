// The Inception Score against its two closed forms (1 and K) and the numpy recomputation of the
// reference code (fid_reference.h, made by make_fid_reference.py).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "fid_reference.h"
#include "muse/metrics/inception_score.h"
#include "muse/ops.h"

using namespace muse;
using metrics::inception_score;
using metrics::InceptionScore;
using doctest::Approx;
using doctest::Contains;

TEST_CASE("inception_score: identical predictions give 1 (p(y|x) = p(y), so every KL is 0)") {
  InceptionScore uniform = inception_score(full({100, 10}, 0.1), 10);
  CHECK(uniform.mean == Approx(1).epsilon(1e-6));
  CHECK(uniform.std == Approx(0).epsilon(1e-6));
  InceptionScore same = inception_score(tensor({{0.7, 0.2, 0.1}}).expand({30, 3}), 3);
  CHECK(same.mean == Approx(1).epsilon(1e-6));
}

TEST_CASE("inception_score: certain predictions spread evenly over K classes give K (KL = log K)") {
  const int64_t k = 10;
  std::vector<double> rows(1000 * k, 0.0);  // image i is class i mod K with certainty
  for (int64_t i = 0; i < 1000; ++i) rows[i * k + i % k] = 1;
  Tensor one_hot = from_vector(rows, {1000, k}, {.dtype = kFloat64});  // (1000, K)
  InceptionScore score = inception_score(one_hot, 10);
  CHECK(score.mean == Approx(k).epsilon(1e-12));
  CHECK(score.std == Approx(0).epsilon(1e-12));
  CHECK(inception_score(one_hot.to(kFloat32), 1).mean == Approx(k).epsilon(1e-12));
}

TEST_CASE("inception_score: equals the numpy recomputation, with uneven splits and 0 log 0") {
  Tensor probs = from_vector(ref::kIsProbs, {ref::kIsN, ref::kIsK}, {.dtype = kFloat64});  // (37, 5)
  InceptionScore score = inception_score(probs, ref::kIsSplits);
  CHECK(score.mean == Approx(ref::kIsMean).epsilon(1e-13));
  CHECK(score.std == Approx(ref::kIsStd).epsilon(1e-11));
  InceptionScore f32 = inception_score(probs.to(kFloat32), ref::kIsSplits);
  CHECK(f32.mean == Approx(ref::kIsMean).epsilon(1e-6));
}

TEST_CASE("inception_score: errors name the function, the shape and the bad row") {
  CHECK_THROWS_WITH_AS(inception_score(full({4}, 0.25)), Contains("inception_score: probs must be (N, K), got (4,)"),
                       Error);
  CHECK_THROWS_WITH_AS(inception_score(ones({4, 1}, {.dtype = kInt64}), 2),
                       Contains("inception_score: probs must be float32 or float64, got int64 of shape (4, 1)"), Error);
  CHECK_THROWS_WITH_AS(inception_score(full({4, 2}, 0.5), 5),
                       Contains("inception_score: splits must be in [1, N] for probs of shape (4, 2), got 5"), Error);
  CHECK_THROWS_WITH_AS(inception_score(full({4, 2}, 0.5), 0),
                       Contains("inception_score: splits must be in [1, N] for probs of shape (4, 2), got 0"), Error);
  CHECK_THROWS_WITH_AS(inception_score(tensor({{0.5, 0.5}, {1.5, -0.5}}), 1),
                       Contains("inception_score: probs of shape (2, 2) has -0.5 at (1, 1); probabilities must be "
                                "finite and non-negative"),
                       Error);
  CHECK_THROWS_WITH_AS(inception_score(tensor({{0.5, 0.5}, {0.5, 0.6}}), 1),
                       Contains("inception_score: row 1 of probs of shape (2, 2) sums to 1.1"), Error);
  CHECK_THROWS_WITH_AS(inception_score(tensor({{0.5, 0.5}, {NAN, 0.5}}), 1),
                       Contains("inception_score: probs of shape (2, 2) has nan at (1, 0)"), Error);
}
