// The fused Adam kernel, and the reference models trained on the GPU, against the CPU. The GPU draws
// the same Philox numbers as the CPU, so a model trained from one seed on both devices sees the same
// z, dropout masks and batches: the losses differ only by rounding, which training amplifies slowly.
#include <doctest/doctest.h>

#include "compare.h"
#include "muse/models/mlp_gan.h"
#include "muse/models/mlp_vae.h"
#include "muse/optim/adam.h"

using namespace muse;
using namespace cudatest;

TEST_CASE("cuda: Adam, AdamW and AMSGrad steps match the CPU") {
  for (int64_t n : kSizes) {
    for (int variant = 0; variant < 3; ++variant) {
      CAPTURE(n);
      CAPTURE(variant);
      Tensor cpu = random({n}, 1).requires_grad_();
      Tensor gpu = cpu.detach().cuda().requires_grad_();
      std::unique_ptr<optim::Optimizer> oc, og;
      if (variant == 0) {
        oc = std::make_unique<optim::Adam>(std::vector<Tensor>{cpu}, optim::AdamOptions{.lr = 1e-2, .weight_decay = 0.1});
        og = std::make_unique<optim::Adam>(std::vector<Tensor>{gpu}, optim::AdamOptions{.lr = 1e-2, .weight_decay = 0.1});
      } else if (variant == 1) {
        oc = std::make_unique<optim::AdamW>(std::vector<Tensor>{cpu}, optim::AdamWOptions{.lr = 1e-2});
        og = std::make_unique<optim::AdamW>(std::vector<Tensor>{gpu}, optim::AdamWOptions{.lr = 1e-2});
      } else {
        oc = std::make_unique<optim::Adam>(std::vector<Tensor>{cpu}, optim::AdamOptions{.lr = 1e-2, .amsgrad = true});
        og = std::make_unique<optim::Adam>(std::vector<Tensor>{gpu}, optim::AdamOptions{.lr = 1e-2, .amsgrad = true});
      }
      for (int step = 0; step < 5; ++step) {
        Tensor g = random({n}, 10 + step);
        cpu.mutable_grad() = g;
        gpu.mutable_grad() = g.cuda();
        oc->step();
        og->step();
      }
      CHECK(mismatch(gpu.detach(), cpu.detach(), {1e-5, 1e-6}) == "");
    }
  }
}

TEST_CASE("cuda: mlp_gan trains 50 steps on the GPU with the CPU's losses") {
  std::vector<models::GanLosses> losses[2];
  for (int d = 0; d < 2; ++d) {
    manual_seed(0);
    models::Gan gan;
    if (d == 1) {
      gan.G->to(kCUDA);
      gan.D->to(kCUDA);
    }
    Generator data(7);
    for (int step = 0; step < 50; ++step) {
      Tensor real = tanh(randn({64, 784}, {}, data));
      losses[d].push_back(gan.step(d == 1 ? real.cuda() : real));
    }
  }
  // Every step of the first 30 within 1e-3; after that the game's amplification of rounding (see
  // tests/cuda/test_conv_models.cpp) is allowed to show, up to 1e-2.
  for (int step = 0; step < 50; ++step) {
    CAPTURE(step);
    const double tol = step < 30 ? 1e-3 : 1e-2;
    CHECK(losses[1][step].d == doctest::Approx(losses[0][step].d).epsilon(tol));
    CHECK(losses[1][step].g == doctest::Approx(losses[0][step].g).epsilon(tol));
  }
}

TEST_CASE("cuda: mlp_vae trains 50 steps on the GPU with the CPU's losses") {
  std::vector<double> losses[2];
  for (int d = 0; d < 2; ++d) {
    manual_seed(0);
    auto vae = std::make_shared<models::Vae>();
    if (d == 1) vae->to(kCUDA);
    optim::Adam opt(vae->parameters(), {.lr = 1e-3});
    Generator data(7);
    for (int step = 0; step < 50; ++step) {
      Tensor x = sigmoid(randn({128, 784}, {}, data));
      if (d == 1) x = x.cuda();
      Tensor loss = models::vae_loss(vae->forward(x, default_generator()), x);
      opt.zero_grad();
      loss.backward();
      opt.step();
      losses[d].push_back(loss.item());
    }
  }
  for (int step = 0; step < 50; step += 7) {
    CAPTURE(step);
    CHECK(losses[1][step] == doctest::Approx(losses[0][step]).epsilon(1e-4));
  }
}
