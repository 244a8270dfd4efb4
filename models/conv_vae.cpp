#include "muse/models/conv_vae.h"

#include "muse/muse.h"

namespace muse::models {

using nn::Conv2d, nn::ConvTranspose2d, nn::Flatten, nn::Linear, nn::ReLU, nn::Sequential, nn::Unflatten;
using std::make_shared;

ConvVae::ConvVae(int64_t latent) : Module("ConvVae"), latent_(latent) {
  const nn::Conv2dOptions halve{.stride = 2, .padding = 1};  // (H + 2 - 4) / 2 + 1 = H / 2
  const nn::ConvTranspose2dOptions twice{.stride = 2, .padding = 1};  // (H - 1) * 2 - 2 + 4 = 2 H
  encoder = register_module("encoder", make_shared<Sequential>(
      make_shared<Conv2d>(1, 32, 4, halve), make_shared<ReLU>(),   // (N, 32, 14, 14)
      make_shared<Conv2d>(32, 64, 4, halve), make_shared<ReLU>(),  // (N, 64, 7, 7)
      make_shared<Flatten>()));                                    // (N, 3136)
  fc_mu = register_module("fc_mu", make_shared<Linear>(64 * 7 * 7, latent));
  fc_logvar = register_module("fc_logvar", make_shared<Linear>(64 * 7 * 7, latent));
  decoder = register_module("decoder", make_shared<Sequential>(
      make_shared<Linear>(latent, 64 * 7 * 7), make_shared<ReLU>(),
      make_shared<Unflatten>(1, Shape{64, 7, 7}),                           // (N, 64, 7, 7)
      make_shared<ConvTranspose2d>(64, 32, 4, twice), make_shared<ReLU>(),  // (N, 32, 14, 14)
      make_shared<ConvTranspose2d>(32, 1, 4, twice)));                      // (N, 1, 28, 28)
}

std::pair<Tensor, Tensor> ConvVae::encode(const Tensor& x) {
  Tensor h = (*encoder)(x);
  return {(*fc_mu)(h), (*fc_logvar)(h)};
}

Tensor ConvVae::decode(const Tensor& z) { return (*decoder)(z); }

VaeOutput ConvVae::forward(const Tensor& x, Generator& gen) {
  auto [mu, logvar] = encode(x);
  return {decode(reparameterize(mu, logvar, gen)), mu, logvar};
}

}  // namespace muse::models
