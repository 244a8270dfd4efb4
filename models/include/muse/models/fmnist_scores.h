// FID-FMNIST and IS-FMNIST: the Frechet distance and the Inception Score (docs/metrics.md) with our
// Fashion-MNIST classifier (classifier.h) standing in for the Inception network. The scores compare
// generated images with the 10,000 test images; they are comparable between models of this repository,
// not with published FID or IS figures.
#pragma once

#include <memory>

#include "muse/metrics/gaussian_fit.h"
#include "muse/models/classifier.h"

namespace muse::models {

struct FmnistScores {
  double fid;      // Frechet distance between Gaussian fits of the classifier's features (N, 256)
  double is_mean;  // Inception Score of its class probabilities, over 10 splits
  double is_std;
};

class FmnistScorer {
 public:
  // Fits the features of the reference images (N, 1, 28, 28) in [0, 1] (the test set) once.
  FmnistScorer(std::shared_ptr<Classifier> net, const Tensor& reference_images);
  // The scores of images (N, 1, 28, 28) in [0, 1] against the reference.
  FmnistScores score(const Tensor& images);

 private:
  std::shared_ptr<Classifier> net_;
  metrics::GaussianFit reference_;
};

}  // namespace muse::models
