// A Gaussian fitted to feature vectors: the sample mean and the unbiased sample covariance
//   mu = (1/N) sum_n x_n,   Sigma = 1/(N - 1) sum_n (x_n - mu)(x_n - mu)^T,
// as numpy.cov(x, rowvar=False) and the FID reference code compute them; float64 throughout.
//   GaussianFit real = fit_gaussian(features);                    // (N, D), all at once
//   GaussianAccumulator acc;                                      // or in batches:
//   for (...) acc.add(batch_features);                            // (B, D) each
//   GaussianFit fake = acc.finish();
#pragma once

#include <cstdint>
#include <vector>

#include "muse/tensor.h"

namespace muse::metrics {

struct GaussianFit {
  std::vector<double> mean;        // (D)
  std::vector<double> covariance;  // (D, D) row-major
  int64_t count = 0;               // N, the number of samples fitted
  int64_t dim() const { return static_cast<int64_t>(mean.size()); }
};

// features: (N, D), float32 or float64, any device and strides, N >= 2, all finite.
GaussianFit fit_gaussian(const Tensor& features);

// The same fit, one batch at a time, so that 10,000 x D features need not be held at once. Batches are
// merged with the pairwise formulas of Chan, Golub & LeVeque (1979), which never subtract large sums of
// squares, so the result matches fit_gaussian of all rows to rounding.
class GaussianAccumulator {
 public:
  void add(const Tensor& features);  // (B, D); every batch has the first batch's D; B may be 0
  GaussianFit finish() const;        // needs N >= 2 in all; the accumulator stays usable
  int64_t count() const { return count_; }

 private:
  int64_t count_ = 0;
  std::vector<double> mean_;     // (D)
  std::vector<double> scatter_;  // (D, D): sum_n (x_n - mean)(x_n - mean)^T
};

}  // namespace muse::metrics
