#include "muse/models/mlp_gan.h"

#include "muse/muse.h"
#include "muse/nn/functional.h"

namespace muse::models {

namespace F = nn::functional;
using nn::BatchNorm1d, nn::Dropout, nn::LeakyReLU, nn::Linear, nn::Sequential, nn::Tanh;
using std::make_shared;

std::shared_ptr<Sequential> gan_generator(int64_t latent) {
  auto g = make_shared<Sequential>();
  g->push_back(make_shared<Linear>(latent, 256));
  g->push_back(make_shared<LeakyReLU>(0.2));
  g->push_back(make_shared<Linear>(256, 512));
  g->push_back(make_shared<BatchNorm1d>(512));
  g->push_back(make_shared<LeakyReLU>(0.2));
  g->push_back(make_shared<Linear>(512, 1024));
  g->push_back(make_shared<BatchNorm1d>(1024));
  g->push_back(make_shared<LeakyReLU>(0.2));
  g->push_back(make_shared<Linear>(1024, 784));
  g->push_back(make_shared<Tanh>());  // pixels in [-1, 1], like the scaled training images
  return g;
}

std::shared_ptr<Sequential> gan_discriminator() {
  auto d = make_shared<Sequential>();
  d->push_back(make_shared<Linear>(784, 512));
  d->push_back(make_shared<LeakyReLU>(0.2));
  d->push_back(make_shared<Dropout>(0.3));
  d->push_back(make_shared<Linear>(512, 256));
  d->push_back(make_shared<LeakyReLU>(0.2));
  d->push_back(make_shared<Dropout>(0.3));
  d->push_back(make_shared<Linear>(256, 1));  // a logit: the sigmoid lives inside the loss
  return d;
}

Gan::Gan(GanOptions options)
    : G(gan_generator(options.latent)),
      D(gan_discriminator()),
      opt_g(G->parameters(), {.lr = options.lr, .beta1 = options.beta1}),
      opt_d(D->parameters(), {.lr = options.lr, .beta1 = options.beta1}),
      options_(options) {}

GanLosses Gan::step(const Tensor& real, Generator& gen) {
  const int64_t n = real.size(0);
  const TensorOptions on_device{.device = real.device()};  // everything lives where the batch does
  Tensor ones = muse::ones({n, 1}, on_device), zeros = muse::zeros({n, 1}, on_device);
  G->train();
  D->train();

  // Discriminator: maximise log D(x) + log(1 - D(G(z))), i.e. minimise the binary cross-entropy of
  // calling real images real (target 1) and generated ones fake (target 0). fake.detach() stops this
  // loss from reaching G's parameters.
  Tensor z = randn({n, options_.latent}, on_device, gen);
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
  Tensor z = randn({n, options_.latent}, {.device = G->parameters().front().device()}, gen);
  Tensor images = (*G)(z);
  G->train();
  return images;
}

}  // namespace muse::models
