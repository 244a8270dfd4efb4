// The reference models: each network can fit one batch (the training step really optimises), and
// training is deterministic for a seed.
#include <doctest/doctest.h>

#include "fit_game.h"
#include "muse/models/mlp_gan.h"
#include "muse/models/mlp_vae.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/optim/adam.h"

using namespace muse;
namespace F = muse::nn::functional;

namespace {

// A batch of "images": smooth random patterns in [0, 1] (no dataset needed).
Tensor fake_images(int64_t n, uint64_t seed) {
  Generator gen(seed);
  return sigmoid(2.0 * randn({n, 784}, {}, gen));
}

}  // namespace

TEST_CASE("mlp_vae overfits one batch: its loss above the floor falls by more than half in 300 steps") {
  manual_seed(0);
  auto vae = std::make_shared<models::Vae>();
  optim::Adam opt(vae->parameters(), {.lr = 1e-3});
  Tensor x = fake_images(32, 1);
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    Tensor loss = models::vae_loss(vae->forward(x, default_generator()), x) / 32.0;
    opt.zero_grad();
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  // The reconstruction term cannot go below the entropy of the soft targets, BCE(x, x), about 340 nats
  // per image here; overfitting shows as the loss closing in on that floor from ~545 (784 log 2).
  double floor = F::binary_cross_entropy(x, x, F::Reduction::Sum).item() / 32.0;
  CHECK(first > 500);
  CHECK(last - floor < 0.5 * (first - floor));
}

TEST_CASE("mlp_gan: D alone overfits one batch, and G alone learns to fool a fixed D") {
  manual_seed(0);
  models::Gan gan;
  Tensor real = fake_images(64, 2) * 2.0 - 1.0;
  Tensor z = randn({64, 100});
  testing::GameFit fit = testing::fit_game(gan, real, z, 200, 200);
  CHECK(fit.loss_d < 0.05);  // from 2 log 2 = 1.39: D separates the batch
  CHECK(fit.g_first > 2);  // D rejects G's output at first...
  CHECK(fit.g_last < 0.1);  // ...and G ends up fooling it on this z
}

TEST_CASE("mlp_gan and mlp_vae train deterministically for a seed") {
  auto run_gan = [](uint64_t seed) {
    manual_seed(seed);
    models::Gan gan;
    std::vector<double> out;
    for (int i = 0; i < 4; ++i) {
      models::GanLosses l = gan.step(fake_images(64, 10 + i) * 2.0 - 1.0);
      out.insert(out.end(), {l.d, l.g});
    }
    std::vector<float> w = gan.G->named_parameters().back().second.to_vector<float>();
    out.insert(out.end(), w.begin(), w.end());
    return out;
  };
  auto run_vae = [](uint64_t seed) {
    manual_seed(seed);
    auto vae = std::make_shared<models::Vae>();
    optim::Adam opt(vae->parameters(), {.lr = 1e-3});
    std::vector<double> out;
    for (int i = 0; i < 4; ++i) {
      Tensor x = fake_images(16, 20 + i);
      Tensor loss = models::vae_loss(vae->forward(x, default_generator()), x);
      opt.zero_grad();
      loss.backward();
      opt.step();
      out.push_back(loss.item());
    }
    return out;
  };
  CHECK(run_gan(3) == run_gan(3));
  CHECK(run_gan(3) != run_gan(4));
  CHECK(run_vae(3) == run_vae(3));
  CHECK(run_vae(3) != run_vae(4));
}

TEST_CASE("mlp_gan and mlp_vae have the workload's shapes and PyTorch's state_dict keys") {
  models::Gan gan;
  auto g = gan.G->named_parameters(), d = gan.D->named_parameters();
  CHECK(g.front().first == "0.weight");
  CHECK(g.front().second.shape() == Shape{256, 100});
  CHECK(g.back().first == "8.bias");
  CHECK(g.back().second.shape() == Shape{784});
  CHECK(d.back().first == "6.bias");
  CHECK((*gan.G)(randn({3, 100})).shape() == Shape{3, 784});
  models::Vae vae;
  std::vector<std::string> keys;
  for (const auto& [k, t] : vae.state_dict()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"fc1.weight", "fc1.bias", "fc_mu.weight", "fc_mu.bias", "fc_logvar.weight",
                                         "fc_logvar.bias", "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias"});
}
