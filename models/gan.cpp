#include "muse/models/gan.h"

#include "muse/models/mlp_gan.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"

namespace muse::models {

namespace F = nn::functional;

Gan::Gan(GanOptions options) : Gan(gan_generator(options.latent), gan_discriminator(), {options.latent}, options) {}

Gan::Gan(std::shared_ptr<nn::Sequential> g, std::shared_ptr<nn::Sequential> d, Shape z_shape, GanOptions options)
    : G(std::move(g)),
      D(std::move(d)),
      opt_g(G->parameters(), {.lr = options.lr, .beta1 = options.beta1}),
      opt_d(D->parameters(), {.lr = options.lr, .beta1 = options.beta1}),
      z_shape_(std::move(z_shape)),
      options_(options) {}

Tensor Gan::noise(int64_t n, Device device, Generator& gen) const {
  Shape shape = z_shape_;
  shape.insert(0, n);  // (N, z_shape...)
  return randn(shape, {.device = device}, gen);
}

GanLosses Gan::step(const Tensor& real, Generator& gen) {
  const int64_t n = real.size(0);
  const TensorOptions on_device{.device = real.device()};  // everything lives where the batch does
  Tensor ones = muse::ones({n, 1}, on_device), zeros = muse::zeros({n, 1}, on_device);
  G->train();
  D->train();

  // Discriminator: maximise log D(x) + log(1 - D(G(z))), i.e. minimise the binary cross-entropy of
  // calling real images real (target 1) and generated ones fake (target 0). fake.detach() stops this
  // loss from reaching G's parameters.
  Tensor z = noise(n, real.device(), gen);
  Tensor fake = (*G)(z);
  Tensor logit_real = (*D)(real);
  Tensor logit_fake = (*D)(fake.detach());
  Tensor loss_d = F::binary_cross_entropy_with_logits(logit_real, ones) +
                  F::binary_cross_entropy_with_logits(logit_fake, zeros);
  opt_d.zero_grad();
  loss_d.backward();
  opt_d.step();

  // Generator, non-saturating form: instead of minimising log(1 - D(G(z))), whose gradient vanishes
  // while D easily rejects the fakes, maximise log D(G(z)): the cross-entropy against target 1.
  // D's parameters receive gradients here too; opt_d.zero_grad() clears them before they are used.
  Tensor loss_g = F::binary_cross_entropy_with_logits((*D)(fake), ones);
  opt_g.zero_grad();
  loss_g.backward();
  opt_g.step();

  NoGradGuard no_grad;
  return {loss_d.item(), loss_g.item(), mean(sigmoid(logit_real)).item(), mean(sigmoid(logit_fake)).item()};
}

Tensor Gan::sample(int64_t n, Generator& gen) {
  NoGradGuard no_grad;
  G->eval();
  Tensor z = noise(n, G->parameters().front().device(), gen);
  Tensor images = (*G)(z);
  G->train();
  return images;
}

}  // namespace muse::models
