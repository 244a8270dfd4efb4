// The Frechet distance between two Gaussians (Dowson & Landau 1982), the "FID" of Heusel et al. 2017
// when the Gaussians are fitted to a feature network's activations on real and generated images:
//   d^2 = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^{1/2} S_b S_a^{1/2})^{1/2}).
// See docs/metrics.md for what it measures and its limits.
#pragma once

#include "muse/metrics/gaussian_fit.h"

namespace muse::metrics {

// d^2 above, in float64 (the squared distance, as FID reports it). Both fits need the same D, count >= 2,
// finite values and a (D, D) covariance; otherwise muse::Error. Runs in O(D^3): about 0.1 s at D = 256.
double frechet_distance(const GaussianFit& a, const GaussianFit& b);

}  // namespace muse::metrics
