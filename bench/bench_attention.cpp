// scaled_dot_product_attention on float32 at B * H = 16 * 4 heads of E = 64, T = 128 and T = 1024, causal:
// the fused kernels (tensor/cpu/attention.cpp) beside the composite matmul -> mask -> softmax -> matmul
// they replaced (tests/autograd/attention_reference.h), which holds the (B, H, T, T) scores.
//   forward: no grad; 2 products of 2 T^2 E flops per head (the causal half is counted too, as PyTorch
//     reports attention flops).
//   step: forward with grad and backward from out: 2 + 5 such products (the fused backward recomputes
//     the scores once more for its dk / dv pass, but is credited with the same 7).
// Rates are in GFLOP/s against Eigen's threaded 1024^3 GEMM (the machine's matmul peak), so the fused /
// composite ratio of the rates is the speed-up.
#include <string>

#include "../tests/autograd/attention_reference.h"
#include "ceiling.h"
#include "muse/muse.h"

namespace {

using namespace muse;

using Attention = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, double, bool,
                             std::optional<double>, Generator&);

constexpr int64_t kHeads = 16 * 4, kE = 64;

Tensor composite(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, double p, bool causal,
                 std::optional<double> scale, Generator& gen) {
  return muse::testing::composite_attention(q, k, v, mask, p, causal, scale, gen);
}

double product_flops(int64_t T) { return 2.0 * kHeads * T * T * kE; }

void forward(benchmark::State& state, Attention f, int64_t T) {
  Tensor q = randn({16, 4, T, kE}), k = randn({16, 4, T, kE}), v = randn({16, 4, T, kE});
  NoGradGuard no_grad;
  f(q, k, v, {}, 0, true, std::nullopt, default_generator());  // warm-up: pages faulted in
  for (auto _ : state) {
    Tensor out = f(q, k, v, {}, 0, true, std::nullopt, default_generator());
    benchmark::DoNotOptimize(out.data_ptr<float>());
  }
  bench::report_flops(state, 2 * product_flops(T), bench::gemm_ceiling(1024, 1024, 1024));
}

void step(benchmark::State& state, Attention f, int64_t T) {
  TensorOptions o{.requires_grad = true};
  Tensor q = randn({16, 4, T, kE}, o), k = randn({16, 4, T, kE}, o), v = randn({16, 4, T, kE}, o);
  Tensor dout = randn({16, 4, T, kE});
  f(q, k, v, {}, 0, true, std::nullopt, default_generator()).backward(dout);
  for (auto _ : state) {
    q.mutable_grad() = k.mutable_grad() = v.mutable_grad() = Tensor();
    f(q, k, v, {}, 0, true, std::nullopt, default_generator()).backward(dout);
  }
  bench::report_flops(state, 7 * product_flops(T), bench::gemm_ceiling(1024, 1024, 1024));
}

const bool kRegistered = [] {
  bench::gemm_ceiling(1024, 1024, 1024);
  for (int64_t T : {128, 1024}) {
    for (auto [name, f] : {std::pair<std::string, Attention>{"fused", scaled_dot_product_attention}, {"composite", composite}}) {
      std::string suffix = "/" + name + "/T" + std::to_string(T);
      benchmark::RegisterBenchmark(("attention/forward" + suffix).c_str(), [=](benchmark::State& s) { forward(s, f, T); })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("attention/step" + suffix).c_str(), [=](benchmark::State& s) { step(s, f, T); })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  return true;
}();

}  // namespace
