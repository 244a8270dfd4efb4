#include "muse/models/fmnist_scores.h"

#include "muse/metrics/frechet_distance.h"
#include "muse/metrics/inception_score.h"
#include "muse/muse.h"

namespace muse::models {

namespace {

void check_images(const Tensor& images) {
  check(images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28,
        "FmnistScorer: expected images (N, 1, 28, 28), got ", images.shape());
  check(images.size(0) >= 2, "FmnistScorer: need at least 2 images, got ", images.size(0));
}

}  // namespace

FmnistScorer::FmnistScorer(std::shared_ptr<Classifier> net, const Tensor& reference_images) : net_(std::move(net)) {
  check_images(reference_images);
  reference_ = metrics::fit_gaussian(map_batches(*net_, reference_images, [&](const Tensor& x) {
    return net_->features(x).cpu().to(kFloat64);  // the statistics are float64 math on the CPU
  }));
}

FmnistScores FmnistScorer::score(const Tensor& images) {
  check_images(images);
  // One pass: the features (N, 256) for FID, and the softmax of the head's logits on them for IS.
  Tensor features = map_batches(*net_, images, [&](const Tensor& x) { return net_->features(x); });
  Tensor probs;
  {
    NoGradGuard no_grad;
    const bool was_training = net_->is_training();
    net_->eval();  // the head's Dropout off
    probs = softmax((*net_->head)(features).cpu().to(kFloat64), 1);
    net_->train(was_training);
  }
  metrics::InceptionScore is = metrics::inception_score(probs);
  return {metrics::frechet_distance(metrics::fit_gaussian(features.cpu().to(kFloat64)), reference_), is.mean, is.std};
}

}  // namespace muse::models
