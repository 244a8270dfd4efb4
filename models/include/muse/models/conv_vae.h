// A convolutional variational autoencoder for Fashion-MNIST: the loss and the reparameterisation of
// mlp_vae.h, with strided convolutions in place of the encoder's first layer and transposed
// convolutions in the decoder, so that neighbouring pixels share weights.
//
//   encoder (N, 1, 28, 28) -> Conv2d(1,32,4,2,1) ReLU -> (N, 32, 14, 14) -> Conv2d(32,64,4,2,1) ReLU
//           -> (N, 64, 7, 7) -> Flatten -> (N, 3136) -> Linear(3136, 20) twice: mu, logvar
//   decoder z (N, 20) -> Linear(20, 3136) ReLU -> (N, 64, 7, 7) -> ConvTranspose2d(64,32,4,2,1) ReLU
//           -> (N, 32, 14, 14) -> ConvTranspose2d(32,1,4,2,1) -> Bernoulli logits (N, 1, 28, 28)
#pragma once

#include <memory>

#include "muse/models/mlp_vae.h"
#include "muse/nn/layers.h"

namespace muse::models {

class ConvVae : public nn::Module {
 public:
  explicit ConvVae(int64_t latent = 20);

  // q(z|x): the mean and log-variance, each (N, latent), of x (N, 1, 28, 28) in [0, 1].
  std::pair<Tensor, Tensor> encode(const Tensor& x);
  // p(x|z): Bernoulli logits (N, 1, 28, 28).
  Tensor decode(const Tensor& z);
  VaeOutput forward(const Tensor& x, Generator& gen);
  Tensor forward(const Tensor& x) override { return forward(x, default_generator()).logits; }

  int64_t latent() const { return latent_; }

 private:
  int64_t latent_;
  std::shared_ptr<nn::Sequential> encoder, decoder;
  std::shared_ptr<nn::Linear> fc_mu, fc_logvar;
};

}  // namespace muse::models
