// The fused Adam kernel, and the reference models trained on the GPU, against the CPU. The GPU draws
// the same Philox numbers as the CPU, so a model trained from one seed on both devices sees the same
// z, dropout masks and batches: the losses differ only by rounding, which training amplifies slowly.
#include <doctest/doctest.h>

#include <filesystem>

#include "compare.h"
#include "muse/io/image.h"
#include "muse/io/safetensors.h"
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

// What `muse train --device cuda` relies on: a GPU model's state saved to a file (the tensors come back
// to the CPU), read into a model and an optimizer on either device (copy_ moves across), and sample
// grids written straight from GPU tensors.
TEST_CASE("cuda: model and optimizer state move between devices through a checkpoint") {
  manual_seed(0);
  auto gpu = std::make_shared<models::Vae>();
  gpu->to(kCUDA);
  optim::Adam opt_gpu(gpu->parameters(), {.lr = 1e-3});
  Tensor x = sigmoid(random({16, 784}, 5)).cuda();
  Tensor loss = models::vae_loss(gpu->forward(x, default_generator()), x);
  loss.backward();
  opt_gpu.step();
  io::NamedTensors state = gpu->state_dict();
  for (const auto& [k, t] : opt_gpu.state_dict()) state.emplace_back("opt." + k, t);
  const std::string path = (std::filesystem::temp_directory_path() / "muse_cuda_state.safetensors").string();
  io::save_safetensors(path, state);
  io::SafeTensors file = io::load_safetensors(path);
  std::filesystem::remove(path);
  REQUIRE(file.tensors.size() == state.size());
  for (size_t i = 0; i < state.size(); ++i) {
    CAPTURE(state[i].first);
    CHECK(file.tensors[i].second.device() == kCPU);
    CHECK(mismatch(state[i].second, file.tensors[i].second, kExact).empty());
  }
  io::NamedTensors model_part(file.tensors.begin(), file.tensors.begin() + static_cast<long>(gpu->state_dict().size()));
  optim::StateDict opt_part;
  for (const auto& [k, t] : file.tensors)
    if (k.starts_with("opt.")) opt_part.emplace_back(k.substr(4), t);
  // The saved state, read into a fresh model and optimizer on each device, takes the same next step
  // as the model that wrote it.
  auto next_step = [&](models::Vae& vae, optim::Adam& opt) {
    Device d = vae.parameters().front().device();
    Tensor xd = x.to(d);
    Generator g(9);
    opt.zero_grad();
    models::vae_loss(vae.forward(xd, g), xd).backward();
    opt.step();
    return vae.parameters();
  };
  std::vector<std::vector<Tensor>> after;
  for (Device d : {kCPU, kCUDA}) {
    CAPTURE(d);
    manual_seed(1);  // other initial weights, which the load overwrites
    auto back = std::make_shared<models::Vae>();
    back->to(d);
    optim::Adam opt(back->parameters(), {.lr = 1e-3});
    back->load_state_dict(model_part);
    opt.load_state_dict(opt_part);
    for (const auto& [k, t] : back->state_dict()) CHECK(t.device() == d);
    after.push_back(next_step(*back, opt));
  }
  after.push_back(next_step(*gpu, opt_gpu));
  for (size_t i = 0; i < after[2].size(); ++i) {
    CAPTURE(i);
    CHECK(mismatch(after[1][i].detach(), after[2][i].detach(), kExact).empty());  // the same GPU kernels
    // normwise: where a gradient is near 0, rounding can turn Adam's step of about lr either way
    CHECK(mismatch(after[2][i].detach(), after[0][i].detach(), kMatmul).empty());
  }
  Tensor grid = sigmoid(random({4, 1, 28, 28}, 6));
  CHECK(io::image_grid_png(grid.cuda(), 2) == io::image_grid_png(grid, 2));
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
