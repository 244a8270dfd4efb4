// The minimax game of Goodfellow et al., "Generative Adversarial Networks" (2014), for any pair of
// networks: a generator G that maps noise z ~ N(0, I) to an image, and a discriminator D that maps an
// image to a logit, D(x) = sigmoid(logit) = P(x is real). mlp_gan.h and dcgan.h build the networks;
// docs/gan.md walks through the math beside this code.
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

struct GanLosses {
  double d;       // BCE(D(x), 1) + BCE(D(G(z)), 0)
  double g;       // BCE(D(G(z)), 1), the non-saturating generator loss
  double d_real;  // mean D(x) over the batch: a probability, near 0.5 at equilibrium
  double d_fake;  // mean D(G(z)) before the generator's update
};

// The two networks, their optimizers, and one training step of the game.
class Gan {
 public:
  // The MLP GAN of mlp_gan.h (the `mlp_gan` workload).
  explicit Gan(GanOptions options = {});
  // Any G taking z of shape (N, z_shape...) and any D giving (N, 1) logits.
  Gan(std::shared_ptr<nn::Sequential> G, std::shared_ptr<nn::Sequential> D, Shape z_shape, GanOptions options = {});

  // One discriminator update on `real` (a batch of the images D takes, scaled to [-1, 1]) and a
  // fresh fake batch, then one generator update. z is drawn from `gen`.
  GanLosses step(const Tensor& real, Generator& gen = default_generator());
  // n images from z ~ N(0, I), in [-1, 1], with G in eval mode (BatchNorm's running statistics).
  Tensor sample(int64_t n, Generator& gen = default_generator());

  const GanOptions& options() const { return options_; }

  std::shared_ptr<nn::Sequential> G, D;
  optim::Adam opt_g, opt_d;

 private:
  Tensor noise(int64_t n, Device device, Generator& gen) const;

  Shape z_shape_;  // of one z: (100) for the MLP, (100, 1, 1) for the DCGAN
  GanOptions options_;
};

}  // namespace muse::models
