#include "muse/models/mlp_gan.h"

namespace muse::models {

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

}  // namespace muse::models
