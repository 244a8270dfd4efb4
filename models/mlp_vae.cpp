#include "muse/models/mlp_vae.h"

#include "muse/muse.h"
#include "muse/nn/functional.h"

namespace muse::models {

namespace F = nn::functional;
using std::make_shared;

Vae::Vae(int64_t latent) : Module("Vae"), latent_(latent) {
  fc1 = register_module("fc1", make_shared<nn::Linear>(784, 400));
  fc_mu = register_module("fc_mu", make_shared<nn::Linear>(400, latent));
  fc_logvar = register_module("fc_logvar", make_shared<nn::Linear>(400, latent));
  fc3 = register_module("fc3", make_shared<nn::Linear>(latent, 400));
  fc4 = register_module("fc4", make_shared<nn::Linear>(400, 784));
}

std::pair<Tensor, Tensor> Vae::encode(const Tensor& x) {
  Tensor h = relu((*fc1)(x));
  return {(*fc_mu)(h), (*fc_logvar)(h)};
}

// Sampling z ~ N(mu, sigma^2) directly would cut the gradient path to mu and sigma. Writing
// z = mu + sigma * eps, with the randomness in eps ~ N(0, I), makes z a differentiable function of
// (mu, logvar): dz/dmu = 1, dz/dlogvar = eps * sigma / 2, since sigma = exp(logvar / 2).
// It samples in eval mode too, so that the test loss is the same single-sample estimate of the
// negative ELBO as the training loss.
Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator& gen) {
  Tensor sigma = exp(0.5 * logvar);
  Tensor eps = randn(mu.shape(), {.dtype = mu.dtype(), .device = mu.device()}, gen);
  return mu + sigma * eps;
}

Tensor Vae::decode(const Tensor& z) { return (*fc4)(relu((*fc3)(z))); }

VaeOutput Vae::forward(const Tensor& x, Generator& gen) {
  auto [mu, logvar] = encode(x);
  Tensor z = reparameterize(mu, logvar, gen);
  return {decode(z), mu, logvar};
}

// Reconstruction: -log p(x|z) for Bernoulli pixels is the binary cross-entropy between x and
// sigmoid(logits), summed over the 784 pixels (and the batch). Regulariser, in closed form for two
// Gaussians: KL(N(mu, sigma^2) || N(0, 1)) = -1/2 * sum(1 + logvar - mu^2 - exp(logvar)).
Tensor vae_loss(const VaeOutput& out, const Tensor& x) {
  Tensor reconstruction = F::binary_cross_entropy_with_logits(out.logits, x, F::Reduction::Sum);
  return reconstruction + F::gaussian_kl(out.mu, out.logvar, F::Reduction::Sum);
}

}  // namespace muse::models
