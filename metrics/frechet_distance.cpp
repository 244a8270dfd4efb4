// d^2 = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^{1/2} S_b S_a^{1/2})^{1/2}).
// The last trace without a non-symmetric matrix square root (the reference code's scipy.linalg.sqrtm of
// S_a S_b): with S_a = V diag(lambda) V^T and W = V diag(sqrt(lambda)), S_a^{1/2} = W V^T, so
//   S_a^{1/2} S_b S_a^{1/2} = V (W^T S_b W) V^T,
// which has the eigenvalues mu_i of the symmetric positive semi-definite C = W^T S_b W, and
//   tr((S_a^{1/2} S_b S_a^{1/2})^{1/2}) = sum_i sqrt(mu_i).
// Covariances are positive semi-definite, but rounding leaves eigenvalues near 0 (there are D - N + 1
// exact zeros when N <= D) slightly negative, around -1e-16 times the largest: we clamp lambda and mu to
// 0 before the square roots, and a d^2 that rounds below 0 (a set against itself) to 0.
#include "muse/metrics/frechet_distance.h"

#include <algorithm>
#include <cmath>

#include "muse/metrics/symmetric_eigen.h"

namespace muse::metrics {
namespace {

void check_fit(const GaussianFit& f, const char* name) {
  const int64_t d = f.dim();
  check(f.count >= 2, "frechet_distance: fit ", name, " (D = ", d, ") has ", f.count,
        " samples; a covariance needs at least 2");
  check(static_cast<int64_t>(f.covariance.size()) == d * d, "frechet_distance: fit ", name,
        " has a mean of dimension ", d, " but ", f.covariance.size(), " covariance entries, not (", d, ", ",
        d, ")");
  const auto finite = [](double x) { return std::isfinite(x); };
  check(std::all_of(f.mean.begin(), f.mean.end(), finite) &&
            std::all_of(f.covariance.begin(), f.covariance.end(), finite),
        "frechet_distance: fit ", name, " (D = ", d, ") has a non-finite mean or covariance");
}

double trace(const std::vector<double>& s, int64_t d) {
  double t = 0;
  for (int64_t i = 0; i < d; ++i) t += s[i * d + i];
  return t;
}

// C = W^T S W for (D, D) row-major matrices, symmetrised: two loops of rows over rows (contiguous).
std::vector<double> congruence(const std::vector<double>& w, const std::vector<double>& s, int64_t d) {
  std::vector<double> sw(d * d, 0.0), c(d * d, 0.0);
  for (int64_t i = 0; i < d; ++i)  // (S W)[i, :] = sum_k S[i, k] W[k, :]
    for (int64_t k = 0; k < d; ++k)
      for (int64_t j = 0; j < d; ++j) sw[i * d + j] += s[i * d + k] * w[k * d + j];
  for (int64_t k = 0; k < d; ++k)  // C[i, :] = sum_k W[k, i] (S W)[k, :]
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j < d; ++j) c[i * d + j] += w[k * d + i] * sw[k * d + j];
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = i + 1; j < d; ++j) c[i * d + j] = c[j * d + i] = 0.5 * (c[i * d + j] + c[j * d + i]);
  return c;
}

}  // namespace

double frechet_distance(const GaussianFit& a, const GaussianFit& b) {
  check(a.dim() == b.dim(), "frechet_distance: the fits have different dimensions, D = ", a.dim(), " and ",
        b.dim());
  check_fit(a, "a");
  check_fit(b, "b");
  const int64_t d = a.dim();

  double mean_term = 0;  // |mu_a - mu_b|^2
  for (int64_t i = 0; i < d; ++i) mean_term += (a.mean[i] - b.mean[i]) * (a.mean[i] - b.mean[i]);

  SymmetricEigen ea = symmetric_eigen(a.covariance, d);
  std::vector<double> w = ea.vectors;  // W = V diag(sqrt(lambda)): column j scaled by sqrt(lambda_j)
  for (int64_t j = 0; j < d; ++j) {
    const double root = std::sqrt(std::max(ea.values[j], 0.0));
    for (int64_t i = 0; i < d; ++i) w[i * d + j] *= root;
  }
  SymmetricEigen ec = symmetric_eigen(congruence(w, b.covariance, d), d, /*with_vectors=*/false);
  double trace_root = 0;  // tr((S_a^{1/2} S_b S_a^{1/2})^{1/2})
  for (double mu : ec.values) trace_root += std::sqrt(std::max(mu, 0.0));

  const double d2 = mean_term + trace(a.covariance, d) + trace(b.covariance, d) - 2 * trace_root;
  return std::max(d2, 0.0);
}

}  // namespace muse::metrics
