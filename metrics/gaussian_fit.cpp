// Mean and covariance of features, in float64. A batch's scatter matrix sum_n (x_n - m)(x_n - m)^T is one
// float64 matmul of the centred batch (Xc^T Xc); batches merge by Chan, Golub & LeVeque's rule: for sets
// a, b with counts n_a, n_b, means m_a, m_b and scatters M_a, M_b, and delta = m_b - m_a, n = n_a + n_b,
//   m = m_a + delta n_b / n,   M = M_a + M_b + delta delta^T n_a n_b / n.
#include "muse/metrics/gaussian_fit.h"

#include <cmath>

#include "muse/ops.h"

namespace muse::metrics {
namespace {

struct Moments {
  int64_t count = 0;
  std::vector<double> mean;     // (D)
  std::vector<double> scatter;  // (D, D)
};

Moments batch_moments(const char* op, const Tensor& features) {
  check(features.defined() && features.dim() == 2, op, ": features must be (N, D), got ",
        features.defined() ? str(features.shape()) : "an undefined tensor");
  check(features.is_floating_point(), op, ": features must be float32 or float64, got ", features.dtype(),
        " of shape ", features.shape());
  const int64_t n = features.size(0), d = features.size(1);
  Tensor x = features.detach().cpu().to(kFloat64).contiguous();  // (N, D)
  const double* xs = x.data_ptr<double>();
  Moments m{n, std::vector<double>(d, 0.0), {}};
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      check(std::isfinite(xs[i * d + j]), op, ": features of shape ", features.shape(),
            " have a non-finite value at (", i, ", ", j, ")");
      m.mean[j] += xs[i * d + j];
    }
  if (n == 0) {
    m.scatter.assign(d * d, 0.0);
    return m;
  }
  for (double& v : m.mean) v /= static_cast<double>(n);
  Tensor centred = sub(x, from_vector(m.mean, {1, d}, {.dtype = kFloat64}));  // (N, D)
  m.scatter = matmul(centred.t(), centred).to_vector<double>();                // (D, D)
  return m;
}

void merge(Moments& into, const Moments& b) {
  if (b.count == 0) return;
  const int64_t n = into.count + b.count;
  const double na = static_cast<double>(into.count), nb = static_cast<double>(b.count);
  const int64_t d = static_cast<int64_t>(into.mean.size());
  std::vector<double> delta(d);
  for (int64_t j = 0; j < d; ++j) delta[j] = b.mean[j] - into.mean[j];
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < d; ++j)
      into.scatter[i * d + j] += b.scatter[i * d + j] + delta[i] * delta[j] * na * nb / n;
  for (int64_t j = 0; j < d; ++j) into.mean[j] += delta[j] * nb / n;
  into.count = n;
}

// Sigma = M / (N - 1), made exactly symmetric (the matmul may round the two triangles differently).
GaussianFit to_fit(const char* op, const Moments& m) {
  check(m.count >= 2, op, ": a covariance needs at least 2 samples, got ", m.count, " of dimension ",
        m.mean.size());
  const int64_t d = static_cast<int64_t>(m.mean.size());
  GaussianFit fit{m.mean, std::vector<double>(d * d), m.count};
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < d; ++j)
      fit.covariance[i * d + j] = 0.5 * (m.scatter[i * d + j] + m.scatter[j * d + i]) / (m.count - 1);
  return fit;
}

}  // namespace

GaussianFit fit_gaussian(const Tensor& features) {
  return to_fit("fit_gaussian", batch_moments("fit_gaussian", features));
}

void GaussianAccumulator::add(const Tensor& features) {
  Moments b = batch_moments("GaussianAccumulator::add", features);
  if (count_ == 0 && mean_.empty()) {
    mean_ = std::move(b.mean);
    scatter_ = std::move(b.scatter);
    count_ = b.count;
    return;
  }
  check(b.mean.size() == mean_.size(), "GaussianAccumulator::add: features of shape ", features.shape(),
        " after batches of dimension D = ", mean_.size());
  Moments sum{count_, std::move(mean_), std::move(scatter_)};
  merge(sum, b);
  count_ = sum.count;
  mean_ = std::move(sum.mean);
  scatter_ = std::move(sum.scatter);
}

GaussianFit GaussianAccumulator::finish() const {
  return to_fit("GaussianAccumulator::finish", Moments{count_, mean_, scatter_});
}

}  // namespace muse::metrics
