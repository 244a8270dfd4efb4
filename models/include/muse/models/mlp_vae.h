// The seeds' variational autoencoder on Fashion-MNIST (Kingma & Welling, "Auto-Encoding Variational
// Bayes", 2014): the `mlp_vae` workload of WORKLOADS.md. docs/vae.md derives the loss beside this code.
//
//   encoder q(z|x) = N(mu(x), diag(exp(logvar(x))))   784 -> 400 -> (20, 20)
//   decoder p(x|z) = Bernoulli(sigmoid(logits(z)))    20 -> 400 -> 784
//   loss(x) = -E_q[log p(x|z)] + KL(q(z|x) || N(0, I))     (the negative evidence lower bound)
#pragma once

#include <memory>

#include "muse/nn/layers.h"

namespace muse::models {

struct VaeOutput {
  Tensor logits;  // (N, 784): decoder output before the sigmoid
  Tensor mu;      // (N, 20)
  Tensor logvar;  // (N, 20)
};

class Vae : public nn::Module {
 public:
  explicit Vae(int64_t latent = 20);

  // q(z|x): the mean and log-variance of the approximate posterior. x is (N, 784) in [0, 1].
  std::pair<Tensor, Tensor> encode(const Tensor& x);
  // p(x|z): Bernoulli logits for each pixel.
  Tensor decode(const Tensor& z);
  VaeOutput forward(const Tensor& x, Generator& gen);
  Tensor forward(const Tensor& x) override { return forward(x, default_generator()).logits; }

  int64_t latent() const { return latent_; }

 private:
  int64_t latent_;
  std::shared_ptr<nn::Linear> fc1, fc_mu, fc_logvar, fc3, fc4;
};

// z = mu + sigma * eps with eps ~ N(0, I), sigma = exp(logvar / 2): the reparameterisation trick.
Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator& gen = default_generator());

// The negative ELBO summed over the batch, in nats: BCE-with-logits summed over pixels + Gaussian KL.
// Divide by N for the per-image figure that docs/vae.md reports. Any shapes: logits and x match.
Tensor vae_loss(const VaeOutput& out, const Tensor& x);

}  // namespace muse::models
