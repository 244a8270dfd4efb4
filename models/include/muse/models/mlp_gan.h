// The seeds' GAN on Fashion-MNIST: two multilayer perceptrons playing the minimax game of
// Goodfellow et al., "Generative Adversarial Networks" (2014). Shapes are the `mlp_gan` workload of
// WORKLOADS.md; docs/gan.md walks through the math beside this code.
//
//   G: z ~ N(0, I) in R^100  ->  an image in [-1, 1]^784
//   D: an image  ->  a logit, D(x) = sigmoid(logit) = P(x is real)
#pragma once

#include <memory>

#include "muse/nn/layers.h"
#include "muse/optim/adam.h"

namespace muse::models {

struct GanOptions {
  int64_t latent = 100;  // size of z
  double lr = 2e-4;      // Adam, as in Radford et al. (2016) and the seeds
  double beta1 = 0.5;
};

// Linear(100,256) LeakyReLU(0.2) Linear(256,512) BatchNorm1d LeakyReLU(0.2)
// Linear(512,1024) BatchNorm1d LeakyReLU(0.2) Linear(1024,784) Tanh
std::shared_ptr<nn::Sequential> gan_generator(int64_t latent = 100);
// Linear(784,512) LeakyReLU(0.2) Dropout(0.3) Linear(512,256) LeakyReLU(0.2) Dropout(0.3) Linear(256,1)
std::shared_ptr<nn::Sequential> gan_discriminator();

struct GanLosses {
  double d;       // BCE(D(x), 1) + BCE(D(G(z)), 0)
  double g;       // BCE(D(G(z)), 1), the non-saturating generator loss
  double d_real;  // mean D(x) over the batch: a probability, near 0.5 at equilibrium
  double d_fake;  // mean D(G(z)) before the generator's update
};

// The two networks, their optimizers, and one training step of the game.
class Gan {
 public:
  explicit Gan(GanOptions options = {});

  // One discriminator update on `real` (N, 784) scaled to [-1, 1] and a fresh fake batch, then one
  // generator update. z is drawn from `gen`.
  GanLosses step(const Tensor& real, Generator& gen = default_generator());
  // n images (n, 784) in [-1, 1] from z ~ N(0, I), with G in eval mode (BatchNorm's running stats).
  Tensor sample(int64_t n, Generator& gen = default_generator());

  const GanOptions& options() const { return options_; }

  std::shared_ptr<nn::Sequential> G, D;
  optim::Adam opt_g, opt_d;

 private:
  GanOptions options_;
};

}  // namespace muse::models
