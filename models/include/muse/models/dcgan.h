// The DCGAN of Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep Convolutional
// Generative Adversarial Networks" (2016), at the `dcgan` workload shape of WORKLOADS.md: Fashion-MNIST
// padded from 28x28 to 32x32, so that four stride-2 layers halve (or double) 32 -> 16 -> 8 -> 4.
// models::Gan (gan.h) plays the game; docs/dcgan.md explains the shapes.
//
//   G: z (N, 100, 1, 1) -> (N, 256, 4, 4) -> (N, 128, 8, 8) -> (N, 64, 16, 16) -> (N, 1, 32, 32) in [-1, 1]
//   D: (N, 1, 32, 32) -> (N, 64, 16, 16) -> (N, 128, 8, 8) -> (N, 256, 4, 4) -> a logit (N, 1)
#pragma once

#include <memory>

#include "muse/models/gan.h"

namespace muse::models {

// ConvTranspose2d(100,256,4,1,0) BatchNorm2d ReLU, ConvTranspose2d(256,128,4,2,1) BatchNorm2d ReLU,
// ConvTranspose2d(128,64,4,2,1) BatchNorm2d ReLU, ConvTranspose2d(64,1,4,2,1) Tanh. A convolution
// followed by a BatchNorm has no bias: the BatchNorm's mean subtraction would cancel it.
std::shared_ptr<nn::Sequential> dcgan_generator(int64_t latent = 100, Generator& gen = default_generator());
// Conv2d(1,64,4,2,1) LeakyReLU(0.2), Conv2d(64,128,4,2,1) BatchNorm2d LeakyReLU(0.2),
// Conv2d(128,256,4,2,1) BatchNorm2d LeakyReLU(0.2), Conv2d(256,1,4,1,0), Flatten.
std::shared_ptr<nn::Sequential> dcgan_discriminator(Generator& gen = default_generator());
// Both networks, initialised as the paper does, with Adam(2e-4, beta1 0.5).
Gan dcgan(GanOptions options = {});

// Training images (N, 1, 28, 28) in [0, 1] -> (N, 1, 32, 32) in [-1, 1], the border at -1 (black).
Tensor dcgan_input(const Tensor& images);
// The inverse for G's samples: (N, 1, 32, 32) in [-1, 1] -> the centre (N, 1, 28, 28) in [0, 1].
Tensor dcgan_output(const Tensor& samples);

}  // namespace muse::models
