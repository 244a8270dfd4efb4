// Symmetric eigendecomposition in two stages, both O(n^3) and both orthogonal (so backward stable):
//   1. Householder: A = Q T Q^T with T tridiagonal (diagonal d, off-diagonal e).
//   2. Implicit QL with Wilkinson shifts: T = W diag(lambda) W^T, by plane rotations.
// Then A = (Q W) diag(lambda) (Q W)^T. References: Golub & Van Loan, "Matrix Computations", 8.3;
// the QL step follows the tqli formulation of Press et al., "Numerical Recipes", 11.3.
#include "muse/metrics/symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "muse/error.h"

namespace muse::metrics {
namespace {

struct Tridiagonal {
  std::vector<double> d;  // T(i, i)
  std::vector<double> e;  // T(i, i + 1) for i < n - 1; e[n - 1] = 0
};

// Step k zeroes A[k+2:, k] (and A[k, k+2:]) with a reflector H = I - beta v v^T, beta = 2 / v^T v,
// acting on indices k+1..n-1. With x = A[k+1:, k] and alpha = -sign(x_0) |x| (the sign that avoids
// cancellation in v_0), v = x - alpha e_1 gives H x = alpha e_1. The trailing block becomes
//   H A H = A - v w^T - w v^T,  p = beta A v,  w = p - (beta / 2)(v^T p) v,
// a rank-2 update. When qt is given it holds Q^T (row i = column i of Q) and is replaced by H qt.
Tridiagonal tridiagonalize(std::vector<double>& a, int64_t n, std::vector<double>* qt) {
  std::vector<double> v(n), w(n), u(n);
  for (int64_t k = 0; k + 2 < n; ++k) {
    double* row_k = &a[k * n];  // A[k, k+1:] equals the column A[k+1:, k] by symmetry
    double tail = 0;            // |x|^2 without x_0
    for (int64_t i = k + 2; i < n; ++i) tail += row_k[i] * row_k[i];
    if (tail == 0) continue;  // column k is already tridiagonal: H = I
    const double x0 = row_k[k + 1];
    const double alpha = x0 >= 0 ? -std::sqrt(x0 * x0 + tail) : std::sqrt(x0 * x0 + tail);
    for (int64_t i = k + 1; i < n; ++i) v[i] = row_k[i];
    v[k + 1] = x0 - alpha;
    const double beta = 2 / (v[k + 1] * v[k + 1] + tail);
    double vp = 0;
    for (int64_t i = k + 1; i < n; ++i) {  // w = p = beta A v, then v^T p
      double sum = 0;
      for (int64_t j = k + 1; j < n; ++j) sum += a[i * n + j] * v[j];
      w[i] = beta * sum;
      vp += v[i] * w[i];
    }
    for (int64_t i = k + 1; i < n; ++i) w[i] -= 0.5 * beta * vp * v[i];
    for (int64_t i = k + 1; i < n; ++i)
      for (int64_t j = k + 1; j < n; ++j) a[i * n + j] -= v[i] * w[j] + w[i] * v[j];
    for (int64_t i = k + 1; i < n; ++i) row_k[i] = a[i * n + k] = i == k + 1 ? alpha : 0;
    if (!qt) continue;
    std::fill(u.begin(), u.end(), 0.0);  // u = v^T qt, then qt -= beta v u^T
    for (int64_t i = k + 1; i < n; ++i)
      for (int64_t c = 0; c < n; ++c) u[c] += v[i] * (*qt)[i * n + c];
    for (int64_t i = k + 1; i < n; ++i)
      for (int64_t c = 0; c < n; ++c) (*qt)[i * n + c] -= beta * v[i] * u[c];
  }
  Tridiagonal t{std::vector<double>(n), std::vector<double>(n, 0.0)};
  for (int64_t i = 0; i < n; ++i) t.d[i] = a[i * n + i];
  for (int64_t i = 0; i + 1 < n; ++i) t.e[i] = a[i * n + i + 1];
  return t;
}

// One implicit QL step on the unreduced block l..m of T. It is the QL factorisation of T - sigma I
// (T - sigma I = Q L, T <- L Q + sigma I = Q^T T Q) done without forming either: plane rotations in the
// planes (i, i+1), i = m-1 down to l, chase the bulge the shift creates up the block. sigma is
// Wilkinson's shift, the eigenvalue of the leading 2x2 block [[d_l, e_l], [e_l, d_l+1]] nearer d_l, which
// makes e_l shrink cubically. g, p carry the running values; rotations also turn rows i, i+1 of zt.
void ql_step(Tridiagonal& t, int64_t l, int64_t m, std::vector<double>* zt, int64_t n) {
  std::vector<double>& d = t.d;
  std::vector<double>& e = t.e;
  const double theta = (d[l + 1] - d[l]) / (2 * e[l]);
  const double sigma = d[l] - e[l] / (theta + std::copysign(std::hypot(theta, 1.0), theta));
  double g = d[m] - sigma, s = 1, c = 1, p = 0;
  for (int64_t i = m - 1; i >= l; --i) {
    const double f = s * e[i], b = c * e[i];
    const double r = std::hypot(f, g);
    e[i + 1] = r;
    if (r == 0) {  // an off-diagonal underflowed to 0: the block splits here; the caller starts again
      d[i + 1] -= p;
      e[m] = 0;
      return;
    }
    s = f / r;
    c = g / r;
    g = d[i + 1] - p;
    const double q = (d[i] - g) * s + 2 * c * b;
    p = s * q;
    d[i + 1] = g + p;
    g = c * q - b;
    if (!zt) continue;
    double* zi = &(*zt)[i * n];
    double* zi1 = &(*zt)[(i + 1) * n];
    for (int64_t k = 0; k < n; ++k) {
      const double z1 = zi1[k];
      zi1[k] = s * zi[k] + c * z1;
      zi[k] = c * zi[k] - s * z1;
    }
  }
  d[l] -= p;
  e[l] = g;
  e[m] = 0;
}

// Deflation: d[l] is an eigenvalue once e[l] is negligible next to its neighbours on the diagonal, or
// next to the whole matrix (|T| = max_i |d_i| + |e_i|): setting such an e to 0 changes T by at most
// eps |T|, a backward-stable perturbation. The second test matters where a block of the diagonal is
// (nearly) zero, as in the covariance of features that a ReLU leaves at 0 for every input: there the
// first test alone would wait for e to underflow to exactly 0.
void tridiagonal_ql(Tridiagonal& t, std::vector<double>* zt, int64_t n) {
  constexpr double eps = std::numeric_limits<double>::epsilon();
  double norm = 0;
  for (int64_t i = 0; i < n; ++i) norm = std::max(norm, std::abs(t.d[i]) + std::abs(t.e[i]));
  auto negligible = [&](int64_t m) {
    const double e = std::abs(t.e[m]);
    return e <= eps * (std::abs(t.d[m]) + std::abs(t.d[m + 1])) || e <= eps * norm;
  };
  for (int64_t l = 0; l < n; ++l) {
    for (int iteration = 0;; ++iteration) {
      int64_t m = l;  // the block l..m ends at the first negligible off-diagonal
      while (m + 1 < n && !negligible(m)) ++m;
      if (m == l) break;
      check(iteration < 60, "symmetric_eigen: the QL iteration did not converge for eigenvalue ", l,
            " of a (", n, ", ", n, ") matrix");
      ql_step(t, l, m, zt, n);
    }
  }
}

void check_input(std::vector<double>& a, int64_t n) {
  check(n >= 0 && static_cast<int64_t>(a.size()) == n * n, "symmetric_eigen: expected ", n, " x ", n, " = ",
        n * n, " entries, got ", a.size());
  double largest = 0;
  for (double x : a) {
    check(std::isfinite(x), "symmetric_eigen: the (", n, ", ", n, ") matrix has a non-finite entry");
    largest = std::max(largest, std::abs(x));
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      double& upper = a[i * n + j];
      double& lower = a[j * n + i];
      check(std::abs(upper - lower) <= 1e-10 * largest, "symmetric_eigen: the (", n, ", ", n,
            ") matrix is not symmetric: entry (", i, ", ", j, ") is ", upper, " but (", j, ", ", i, ") is ", lower);
      upper = lower = 0.5 * (upper + lower);
    }
}

}  // namespace

SymmetricEigen symmetric_eigen(std::vector<double> a, int64_t n, bool with_vectors) {
  check_input(a, n);
  std::vector<double> zt;  // Q^T, then (Q W)^T: row j is an eigenvector
  if (with_vectors) {
    zt.assign(n * n, 0.0);
    for (int64_t i = 0; i < n; ++i) zt[i * n + i] = 1;
  }
  Tridiagonal t = tridiagonalize(a, n, with_vectors ? &zt : nullptr);
  tridiagonal_ql(t, with_vectors ? &zt : nullptr, n);

  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return t.d[i] < t.d[j]; });
  SymmetricEigen result;
  result.values.resize(n);
  for (int64_t j = 0; j < n; ++j) result.values[j] = t.d[order[j]];
  if (with_vectors) {
    result.vectors.resize(n * n);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t r = 0; r < n; ++r) result.vectors[r * n + j] = zt[order[j] * n + r];
  }
  return result;
}

}  // namespace muse::metrics
