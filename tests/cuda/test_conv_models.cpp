// The convolutional reference models train 50 steps on the GPU with the CPU's losses: the DCGAN, the
// convolutional VAE and the classifier (conv, transposed conv, BatchNorm2d, max pooling, Adam).
#include <doctest/doctest.h>

#include <cmath>

#include "muse/models/classifier.h"
#include "muse/models/conv_vae.h"
#include "muse/models/dcgan.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/optim/adam.h"

using namespace muse;

// The GAN game amplifies rounding differences: on one device a 1e-7 change to one weight already moves
// the losses by tens of percent within 50 steps (tests/models/test_conv_models.cpp shows it). So the
// GPU run follows the CPU's losses within 1e-3 over the first 10 steps and 1e-2 up to step 15 (the CPU
// perturbed by 1e-7 is already 0.15% off by step 7), and after that only has to stay finite.
TEST_CASE("cuda: dcgan trains 50 steps on the GPU, the first 15 with the CPU's losses") {
  std::vector<models::GanLosses> losses[2];
  for (int d = 0; d < 2; ++d) {
    manual_seed(0);
    models::Gan gan = models::dcgan();
    if (d == 1) {
      gan.G->to(kCUDA);
      gan.D->to(kCUDA);
    }
    Generator data(7);
    for (int step = 0; step < 50; ++step) {
      Tensor real = models::dcgan_input(sigmoid(randn({16, 1, 28, 28}, {}, data)));
      losses[d].push_back(gan.step(d == 1 ? real.cuda() : real));
    }
  }
  for (int step = 0; step < 15; ++step) {
    CAPTURE(step);
    const double tol = step < 10 ? 1e-3 : 1e-2;
    CHECK(losses[1][step].d == doctest::Approx(losses[0][step].d).epsilon(tol));
    CHECK(losses[1][step].g == doctest::Approx(losses[0][step].g).epsilon(tol));
  }
  for (const models::GanLosses& l : losses[1]) CHECK((std::isfinite(l.d) && std::isfinite(l.g)));
}

TEST_CASE("cuda: conv_vae and the classifier train 50 steps on the GPU with the CPU's losses") {
  std::vector<double> vae_losses[2], classifier_losses[2];
  for (int d = 0; d < 2; ++d) {
    manual_seed(0);
    auto vae = std::make_shared<models::ConvVae>();
    auto net = std::make_shared<models::Classifier>();
    if (d == 1) {
      vae->to(kCUDA);
      net->to(kCUDA);
    }
    optim::Adam opt_vae(vae->parameters(), {.lr = 1e-3}), opt_net(net->parameters(), {.lr = 1e-3});
    Generator data(7);
    for (int step = 0; step < 50; ++step) {
      Tensor x = sigmoid(randn({32, 1, 28, 28}, {}, data));
      Tensor labels = randint(0, 10, {32}, {.dtype = kInt64}, data);
      if (d == 1) x = x.cuda(), labels = labels.cuda();
      Tensor loss = models::vae_loss(vae->forward(x, default_generator()), x);
      opt_vae.zero_grad();
      loss.backward();
      opt_vae.step();
      vae_losses[d].push_back(loss.item());
      Tensor ce = nn::functional::cross_entropy((*net)(x), labels);
      opt_net.zero_grad();
      ce.backward();
      opt_net.step();
      classifier_losses[d].push_back(ce.item());
    }
  }
  for (int step = 0; step < 50; step += 7) {
    CAPTURE(step);
    CHECK(vae_losses[1][step] == doctest::Approx(vae_losses[0][step]).epsilon(1e-4));
    CHECK(classifier_losses[1][step] == doctest::Approx(classifier_losses[0][step]).epsilon(1e-3));
  }
}
