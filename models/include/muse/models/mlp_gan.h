// The seeds' GAN on Fashion-MNIST: two multilayer perceptrons, the `mlp_gan` workload of WORKLOADS.md.
// models::Gan (gan.h) plays the game; Gan() with no networks builds these two.
//
//   G: z ~ N(0, I) in R^100  ->  an image in [-1, 1]^784
//   D: an image (N, 784)  ->  a logit (N, 1)
#pragma once

#include <memory>

#include "muse/models/gan.h"

namespace muse::models {

// Linear(100,256) LeakyReLU(0.2) Linear(256,512) BatchNorm1d LeakyReLU(0.2)
// Linear(512,1024) BatchNorm1d LeakyReLU(0.2) Linear(1024,784) Tanh
std::shared_ptr<nn::Sequential> gan_generator(int64_t latent = 100);
// Linear(784,512) LeakyReLU(0.2) Dropout(0.3) Linear(512,256) LeakyReLU(0.2) Dropout(0.3) Linear(256,1)
std::shared_ptr<nn::Sequential> gan_discriminator();

}  // namespace muse::models
