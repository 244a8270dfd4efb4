// FID-FMNIST and IS-FMNIST end to end (the metrics' math is tested in tests/metrics/): with a briefly
// trained classifier as the feature network, real images must score far better than noise and than a
// generator early in training. Needs Fashion-MNIST (Debian's dataset-fashion-mnist).
#include <doctest/doctest.h>

#include "muse/data/fashion_mnist.h"
#include "muse/models/fmnist_scores.h"
#include "muse/models/mlp_gan.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/optim/adam.h"

using namespace muse;

TEST_CASE("FID-FMNIST and IS-FMNIST rank real images above an early generator above noise") {
  data::FashionMnist train = data::load_fashion_mnist({.train = true});
  data::FashionMnist test = data::load_fashion_mnist({.train = false});
  manual_seed(0);

  // 200 steps of the classifier (a fraction of an epoch) already separate the classes well.
  auto net = std::make_shared<models::Classifier>();
  optim::Adam opt(net->parameters(), {.lr = 1e-3});
  for (int64_t step = 0; step < 200; ++step) {
    Tensor loss = nn::functional::cross_entropy((*net)(train.images.narrow(0, step * 64, 64)),
                                                train.labels.narrow(0, step * 64, 64));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  const int64_t n = 2000;
  Tensor reference = test.images.narrow(0, 0, n);
  double accuracy = mean(eq(models::predict(*net, reference), test.labels.narrow(0, 0, n)).to(kFloat32)).item();
  CHECK(accuracy > 0.75);

  // The MLP GAN after 300 steps: shapes of clothing, blurred and noisy.
  models::Gan gan;
  for (int64_t step = 0; step < 300; ++step) gan.step(train.images.narrow(0, step * 64 % 59968, 64).reshape({64, 784}) * 2.0 - 1.0);
  Tensor early = ((gan.sample(n) + 1.0) * 0.5).reshape({n, 1, 28, 28});

  models::FmnistScorer scorer(net, reference);
  models::FmnistScores self = scorer.score(reference);
  models::FmnistScores real = scorer.score(train.images.narrow(0, 0, n));
  models::FmnistScores generated = scorer.score(early);
  models::FmnistScores noise = scorer.score(rand({n, 1, 28, 28}));
  MESSAGE("FID-FMNIST real ", real.fid, ", early GAN ", generated.fid, ", noise ", noise.fid);
  MESSAGE("IS-FMNIST real ", real.is_mean, ", early GAN ", generated.is_mean, ", noise ", noise.is_mean);
  CHECK(std::abs(self.fid) < 1e-6 * real.fid);  // the reference against itself
  CHECK(real.fid * 3 < generated.fid);
  CHECK(generated.fid * 2 < noise.fid);
  CHECK(real.is_mean > generated.is_mean);
  CHECK(real.is_mean > 2 * noise.is_mean);
  CHECK_THROWS_WITH_AS(scorer.score(rand({5, 784})), doctest::Contains("FmnistScorer: expected images (N, 1, 28, 28), got (5, 784)"),
                       muse::Error);
}
