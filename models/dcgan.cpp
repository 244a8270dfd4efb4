#include "muse/models/dcgan.h"

#include "muse/muse.h"
#include "muse/nn/init.h"

namespace muse::models {

using nn::BatchNorm2d, nn::Conv2d, nn::ConvTranspose2d, nn::Flatten, nn::LeakyReLU, nn::ReLU, nn::Sequential,
    nn::Tanh;
using std::make_shared;

namespace {

// The paper's initialisation: every convolution weight from N(0, 0.02), BatchNorm's scale from
// N(1, 0.02) and its shift 0 (PyTorch's defaults would be Kaiming-uniform and 1).
void dcgan_init(Sequential& net, Generator& gen) {
  for (size_t i = 0; i < net.size(); ++i) {
    std::shared_ptr<nn::Module> m = net[static_cast<int64_t>(i)];
    if (auto c = std::dynamic_pointer_cast<Conv2d>(m)) nn::init::normal_(c->weight, 0, 0.02, gen);
    if (auto c = std::dynamic_pointer_cast<ConvTranspose2d>(m)) nn::init::normal_(c->weight, 0, 0.02, gen);
    if (auto b = std::dynamic_pointer_cast<BatchNorm2d>(m)) {
      nn::init::normal_(b->weight, 1, 0.02, gen);
      nn::init::zeros_(b->bias);
    }
  }
}

}  // namespace

std::shared_ptr<Sequential> dcgan_generator(int64_t latent, Generator& gen) {
  auto g = make_shared<Sequential>();
  auto up = [&](int64_t in, int64_t out, int64_t stride, int64_t padding) {  // doubles H and W (stride 2)
    g->push_back(make_shared<ConvTranspose2d>(in, out, 4, nn::ConvTranspose2dOptions{.stride = stride, .padding = padding, .bias = false}));
    g->push_back(make_shared<BatchNorm2d>(out));
    g->push_back(make_shared<ReLU>());
  };
  up(latent, 256, 1, 0);  // (N, 100, 1, 1) -> (N, 256, 4, 4): (1 - 1) * 1 - 0 + 4 = 4
  up(256, 128, 2, 1);     // -> (N, 128, 8, 8):   (4 - 1) * 2 - 2 + 4 = 8
  up(128, 64, 2, 1);      // -> (N, 64, 16, 16)
  g->push_back(make_shared<ConvTranspose2d>(64, 1, 4, nn::ConvTranspose2dOptions{.stride = 2, .padding = 1}));
  g->push_back(make_shared<Tanh>());  // -> (N, 1, 32, 32) in [-1, 1]
  dcgan_init(*g, gen);
  return g;
}

std::shared_ptr<Sequential> dcgan_discriminator(Generator& gen) {
  auto d = make_shared<Sequential>();
  auto down = [&](int64_t in, int64_t out, bool batch_norm) {  // halves H and W: (H + 2 - 4) / 2 + 1 = H / 2
    d->push_back(make_shared<Conv2d>(in, out, 4, nn::Conv2dOptions{.stride = 2, .padding = 1, .bias = !batch_norm}));
    if (batch_norm) d->push_back(make_shared<BatchNorm2d>(out));
    d->push_back(make_shared<LeakyReLU>(0.2));
  };
  down(1, 64, false);  // (N, 1, 32, 32) -> (N, 64, 16, 16); no BatchNorm on D's input layer (the paper)
  down(64, 128, true);   // -> (N, 128, 8, 8)
  down(128, 256, true);  // -> (N, 256, 4, 4)
  d->push_back(make_shared<Conv2d>(256, 1, 4));  // -> (N, 1, 1, 1)
  d->push_back(make_shared<Flatten>());  // -> (N, 1): the logit
  dcgan_init(*d, gen);
  return d;
}

Gan dcgan(GanOptions options) {
  auto g = dcgan_generator(options.latent);
  auto d = dcgan_discriminator();
  return Gan(g, d, {options.latent, 1, 1}, options);
}

Tensor dcgan_input(const Tensor& images) { return pad(images * 2.0 - 1.0, {2, 2, 2, 2}, PadMode::Constant, -1.0); }

Tensor dcgan_output(const Tensor& samples) {
  return (samples.narrow(2, 2, 28).narrow(3, 2, 28) + 1.0) * 0.5;
}

}  // namespace muse::models
