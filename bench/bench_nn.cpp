// nn layers of one mlp_gan training step at batch 64, forward + backward, as a training loop runs them.
//   Linear (fused linear op): three GEMMs (y = x W^T, dx = dy W, dW = dy^T x), 6 * 64 * in * out flops,
//     judged against the Eigen GEMM ceiling of the forward product (64, in) x (in, out).
//   BatchNorm1d (fused batch_norm op): memory-bound; about 14 passes over the (64, C) activations
//     (forward: statistics, normalise, scale; backward: two sums and the closed form), judged against
//     the copy ceiling of that many bytes.
//   mlp_gan_step: the generator and discriminator of mlp_gan (with their BatchNorm1d and activations),
//     forward and backward on one batch, 6 * 64 * sum(in * out) GEMM flops against the largest
//     layer's GEMM ceiling. bench/pytorch_nn.py times the same workloads in PyTorch.
#include <string>

#include "ceiling.h"
#include "muse/muse.h"
#include "muse/nn/layers.h"

namespace {

using namespace muse;

void linear_step(benchmark::State& state, int64_t in, int64_t out) {
  nn::Linear fc(in, out);
  Tensor x = randn({64, in}, {.requires_grad = true});
  for (auto _ : state) {
    fc.zero_grad();
    x.mutable_grad() = Tensor();
    fc(x).sum().backward();
  }
  bench::report_flops(state, 6.0 * 64 * in * out, bench::gemm_ceiling(64, out, in));
}

void batchnorm_step(benchmark::State& state, int64_t c) {
  nn::BatchNorm1d bn(c);
  Tensor x = randn({64, c}, {.requires_grad = true});
  for (auto _ : state) {
    bn.zero_grad();
    x.mutable_grad() = Tensor();
    bn(x).sum().backward();
  }
  double bytes = 14.0 * 64 * c * sizeof(float);
  bench::report_bytes(state, bytes, bench::copy_ceiling(static_cast<int64_t>(bytes)));
}

// G: 100-256-512-1024-784, LeakyReLU(0.2), BatchNorm1d after the middle two Linears, Tanh;
// D: 784-512-256-1, LeakyReLU(0.2), Sigmoid.
void mlp_gan_step(benchmark::State& state) {
  using namespace muse::nn;
  auto lrelu = [] { return std::make_shared<LeakyReLU>(0.2); };
  Sequential G(std::make_shared<Linear>(100, 256), lrelu(), std::make_shared<Linear>(256, 512),
               std::make_shared<BatchNorm1d>(512), lrelu(), std::make_shared<Linear>(512, 1024),
               std::make_shared<BatchNorm1d>(1024), lrelu(), std::make_shared<Linear>(1024, 784),
               std::make_shared<Tanh>());
  Sequential D(std::make_shared<Linear>(784, 512), lrelu(), std::make_shared<Linear>(512, 256), lrelu(),
               std::make_shared<Linear>(256, 1), std::make_shared<Sigmoid>());
  Tensor z = randn({64, 100});
  for (auto _ : state) {
    G.zero_grad();
    D.zero_grad();
    D(G(z)).mean().backward();
  }
  double macs = 100 * 256 + 256 * 512 + 512 * 1024 + 1024 * 784 + 784 * 512 + 512 * 256 + 256 * 1;
  bench::report_flops(state, 6.0 * 64 * macs, bench::gemm_ceiling(64, 784, 1024));
}

const bool kRegistered = [] {
  // mlp_gan: G 100-256-512-1024-784 (BatchNorm1d after the middle two), D 784-512-256-1.
  for (auto [in, out] : {std::pair<int64_t, int64_t>{100, 256}, {256, 512}, {512, 1024}, {1024, 784}, {784, 512},
                         {512, 256}, {256, 1}}) {
    std::string name = "nn/linear_step/" + std::to_string(in) + "x" + std::to_string(out);
    bench::gemm_ceiling(64, out, in);
    benchmark::RegisterBenchmark(name.c_str(), [in, out](benchmark::State& s) { linear_step(s, in, out); })
        ->UseRealTime();
  }
  for (int64_t c : {512, 1024}) {
    bench::copy_ceiling(14 * 64 * c * 4);
    benchmark::RegisterBenchmark(("nn/batchnorm1d_step/" + std::to_string(c)).c_str(),
                                 [c](benchmark::State& s) { batchnorm_step(s, c); })
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("nn/mlp_gan_step", mlp_gan_step)->UseRealTime();
  return true;
}();

}  // namespace
