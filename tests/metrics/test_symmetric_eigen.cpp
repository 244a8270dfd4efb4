// The eigensolver against hand-derived spectra, then reconstruction A = V diag(lambda) V^T and V^T V = I
// on random symmetric positive definite matrices.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "muse/metrics/symmetric_eigen.h"
#include "muse/ops.h"

using namespace muse;
using metrics::symmetric_eigen;
using metrics::SymmetricEigen;
using doctest::Approx;
using doctest::Contains;

namespace {

// max |A - V diag(lambda) V^T| and max |V^T V - I|, both relative to max |lambda|.
struct Residuals {
  double reconstruction = 0, orthogonality = 0;
};

Residuals residuals(const std::vector<double>& a, const SymmetricEigen& e, int64_t n) {
  double scale = 0;
  for (double l : e.values) scale = std::max(scale, std::abs(l));
  Residuals r;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double vlv = 0, vtv = 0;
      for (int64_t k = 0; k < n; ++k) {
        vlv += e.vectors[i * n + k] * e.values[k] * e.vectors[j * n + k];
        vtv += e.vectors[k * n + i] * e.vectors[k * n + j];
      }
      r.reconstruction = std::max(r.reconstruction, std::abs(a[i * n + j] - vlv) / scale);
      r.orthogonality = std::max(r.orthogonality, std::abs(vtv - (i == j ? 1.0 : 0.0)));
    }
  return r;
}

// X^T X / N + 0.1 I for X: (N, n) standard normal: symmetric positive definite.
std::vector<double> random_spd(int64_t n, uint64_t seed) {
  Generator gen(seed);
  Tensor x = randn({2 * n, n}, {.dtype = kFloat64}, gen);
  Tensor a = add(div(matmul(x.t(), x), scalar_tensor(2.0 * n, {.dtype = kFloat64})),
                 mul(eye(n, {}, {.dtype = kFloat64}), scalar_tensor(0.1, {.dtype = kFloat64})));
  std::vector<double> v = a.to_vector<double>();
  for (int64_t i = 0; i < n; ++i)  // exactly symmetric
    for (int64_t j = 0; j < i; ++j) v[i * n + j] = v[j * n + i];
  return v;
}

}  // namespace

TEST_CASE("symmetric_eigen: 2x2 [[2, 1], [1, 2]] has eigenvalues 1, 3 and vectors (1, -1), (1, 1) / sqrt 2") {
  SymmetricEigen e = symmetric_eigen({2, 1, 1, 2}, 2);
  CHECK(e.values[0] == Approx(1).epsilon(1e-14));
  CHECK(e.values[1] == Approx(3).epsilon(1e-14));
  const double h = 1 / std::numbers::sqrt2;  // columns are unique up to sign
  CHECK(std::abs(e.vectors[0 * 2 + 0]) == Approx(h).epsilon(1e-14));
  CHECK(e.vectors[0 * 2 + 0] * e.vectors[1 * 2 + 0] == Approx(-0.5).epsilon(1e-14));
  CHECK(e.vectors[0 * 2 + 1] * e.vectors[1 * 2 + 1] == Approx(0.5).epsilon(1e-14));
}

TEST_CASE("symmetric_eigen: a diagonal matrix gives its diagonal, sorted, and unit vectors") {
  SymmetricEigen e = symmetric_eigen({3, 0, 0, 0, -1, 0, 0, 0, 2}, 3);
  CHECK(e.values == std::vector<double>{-1, 2, 3});
  CHECK(e.vectors == std::vector<double>{0, 0, 1, 1, 0, 0, 0, 1, 0});
}

TEST_CASE("symmetric_eigen: 1x1 and 0x0") {
  CHECK(symmetric_eigen({-4}, 1).values == std::vector<double>{-4});
  CHECK(symmetric_eigen({}, 0).values.empty());
}

TEST_CASE("symmetric_eigen: tridiagonal Toeplitz (2, -1) has eigenvalues 2 - 2 cos(k pi / (n + 1))") {
  const int64_t n = 10;
  std::vector<double> a(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    a[i * n + i] = 2;
    if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
  }
  SymmetricEigen e = symmetric_eigen(a, n);
  for (int64_t k = 1; k <= n; ++k)
    CHECK(e.values[k - 1] == Approx(2 - 2 * std::cos(k * std::numbers::pi / (n + 1))).epsilon(1e-13));
  Residuals r = residuals(a, e, n);
  CHECK(r.reconstruction < 1e-14);
  CHECK(r.orthogonality < 1e-14);
}

TEST_CASE("symmetric_eigen: repeated eigenvalues, 2 I + J (J all ones) has 2 (n - 1 times) and 2 + n") {
  const int64_t n = 7;
  std::vector<double> a(n * n, 1.0);
  for (int64_t i = 0; i < n; ++i) a[i * n + i] = 3;
  SymmetricEigen e = symmetric_eigen(a, n);
  for (int64_t k = 0; k + 1 < n; ++k) CHECK(e.values[k] == Approx(2).epsilon(1e-14));
  CHECK(e.values[n - 1] == Approx(2 + n).epsilon(1e-14));
  Residuals r = residuals(a, e, n);  // the repeated eigenspace still gets an orthonormal basis
  CHECK(r.reconstruction < 1e-14);
  CHECK(r.orthogonality < 1e-14);
}

TEST_CASE("symmetric_eigen: eigenvalues only match those with vectors") {
  std::vector<double> a = random_spd(20, 3);
  SymmetricEigen with = symmetric_eigen(a, 20);
  SymmetricEigen without = symmetric_eigen(a, 20, /*with_vectors=*/false);
  CHECK(without.vectors.empty());
  for (int64_t k = 0; k < 20; ++k) CHECK(without.values[k] == Approx(with.values[k]).epsilon(1e-13));
}

TEST_CASE("symmetric_eigen: random SPD reconstructs and is orthogonal at n = 64 and 256") {
  for (int64_t n : {64, 256}) {
    CAPTURE(n);
    std::vector<double> a = random_spd(n, 7);
    SymmetricEigen e = symmetric_eigen(a, n);
    Residuals r = residuals(a, e, n);
    CHECK(r.reconstruction < 1e-13);
    CHECK(r.orthogonality < 1e-13);
    double trace = 0, sum = 0;  // the trace is the sum of the eigenvalues
    for (int64_t i = 0; i < n; ++i) trace += a[i * n + i], sum += e.values[i];
    CHECK(sum == Approx(trace).epsilon(1e-13));
    CHECK(e.values[0] > 0.1 - 1e-12);  // X^T X / N is semi-definite, plus 0.1 I
  }
}

TEST_CASE("symmetric_eigen: a singular covariance with a zero block (features a ReLU leaves at 0)") {
  // The covariance of 40 samples of 256 features of which 100 are always 0: rank at most 39, a 100 x 100
  // block of exact zeros. It made the QL iteration wait for off-diagonals to underflow before
  // deflation also compared them with the whole matrix.
  const int64_t n = 256;
  Generator gen(11);
  Tensor x = randn({40, n}, {.dtype = kFloat64}, gen);
  x = mul(x, ge(arange(static_cast<double>(n), {.dtype = kFloat64}), scalar_tensor(100.0, {.dtype = kFloat64})).to(kFloat64));
  x = sub(x, mean(x, {0}, true));
  std::vector<double> a = div(matmul(x.t(), x), scalar_tensor(39.0, {.dtype = kFloat64})).to_vector<double>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) a[i * n + j] = a[j * n + i];
  SymmetricEigen e = symmetric_eigen(a, n);
  Residuals r = residuals(a, e, n);
  CHECK(r.reconstruction < 1e-13);
  CHECK(r.orthogonality < 1e-13);
  int64_t zero = 0;
  for (double l : e.values) zero += std::abs(l) < 1e-12 * e.values.back();
  CHECK(zero == n - 39);  // centring 40 samples leaves rank 39
}

TEST_CASE("symmetric_eigen: errors name the function and the size") {
  CHECK_THROWS_WITH_AS(symmetric_eigen({1, 2, 3}, 2), Contains("symmetric_eigen: expected 2 x 2 = 4 entries, got 3"),
                       Error);
  CHECK_THROWS_WITH_AS(symmetric_eigen({1, 2, 3, 4}, 2),
                       Contains("symmetric_eigen: the (2, 2) matrix is not symmetric: entry (0, 1) is 2 but (1, 0) is 3"),
                       Error);
  CHECK_THROWS_WITH_AS(symmetric_eigen({1, NAN, NAN, 1}, 2),
                       Contains("symmetric_eigen: the (2, 2) matrix has a non-finite entry"), Error);
}
