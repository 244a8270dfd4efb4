// IS = exp(mean_x KL(p(y|x) || p(y))) per split, then mean and std over splits (see the header).
#include "muse/metrics/inception_score.h"

#include <cmath>
#include <vector>

namespace muse::metrics {
namespace {

// Rows must be probability vectors: finite, non-negative, summing to 1 within 1e-3.
void check_rows(const double* p, int64_t n, int64_t k, const Shape& shape) {
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < k; ++j) {
      const double v = p[i * k + j];
      check(std::isfinite(v) && v >= 0, "inception_score: probs of shape ", shape, " has ", v, " at (", i,
            ", ", j, "); probabilities must be finite and non-negative");
      sum += v;
    }
    check(std::abs(sum - 1) <= 1e-3, "inception_score: row ", i, " of probs of shape ", shape, " sums to ",
          sum, ", not 1 (within 1e-3)");
  }
}

// exp(mean_x KL(p(y|x) || p(y))) over the rows [begin, end) of p: (N, K).
double split_score(const double* p, int64_t begin, int64_t end, int64_t k) {
  std::vector<double> marginal(k, 0.0);  // p(y) = mean_x p(y|x)
  for (int64_t i = begin; i < end; ++i)
    for (int64_t j = 0; j < k; ++j) marginal[j] += p[i * k + j];
  for (double& m : marginal) m /= static_cast<double>(end - begin);
  double kl_sum = 0;
  for (int64_t i = begin; i < end; ++i)
    for (int64_t j = 0; j < k; ++j) {
      const double pj = p[i * k + j];
      if (pj > 0) kl_sum += pj * (std::log(pj) - std::log(marginal[j]));  // marginal[j] >= pj / rows > 0
    }
  return std::exp(kl_sum / static_cast<double>(end - begin));
}

}  // namespace

InceptionScore inception_score(const Tensor& probs, int64_t splits) {
  check(probs.defined() && probs.dim() == 2, "inception_score: probs must be (N, K), got ",
        probs.defined() ? str(probs.shape()) : "an undefined tensor");
  check(probs.is_floating_point(), "inception_score: probs must be float32 or float64, got ", probs.dtype(),
        " of shape ", probs.shape());
  const int64_t n = probs.size(0), k = probs.size(1);
  check(splits >= 1 && splits <= n, "inception_score: splits must be in [1, N] for probs of shape ",
        probs.shape(), ", got ", splits);
  Tensor p = probs.detach().cpu().to(kFloat64).contiguous();  // (N, K)
  const double* ps = p.data_ptr<double>();
  check_rows(ps, n, k, probs.shape());

  std::vector<double> scores(splits);
  double mean = 0;
  for (int64_t s = 0; s < splits; ++s) {
    scores[s] = split_score(ps, s * n / splits, (s + 1) * n / splits, k);
    mean += scores[s] / static_cast<double>(splits);
  }
  double variance = 0;
  for (double score : scores) variance += (score - mean) * (score - mean) / static_cast<double>(splits);
  return {mean, std::sqrt(variance)};
}

}  // namespace muse::metrics
