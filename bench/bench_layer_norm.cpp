// Layer normalization (muse::layer_norm) on float32, the fused kernels beside the composite of autograd
// ops they replaced (mean, subtract, square, mean, rsqrt, multiply, scale, shift: each its own pass over
// memory), at 16 * 128 rows of 256 (a small Transformer's activations) and 4096 rows of 4096 (past the
// caches), with weight and bias.
//   forward: no grad; the fused kernel reads x and writes y: 2 RN floats (mean, rstd, w, b are small).
//   step: forward with grad, then backward; the backward reads x and dy and writes dx: 5 RN floats in
//     all (dweight and dbias are small).
// Both versions are credited with the fused kernels' bytes, so their GB/s ratio is the speed-up; the
// ceiling is a copy moving as many bytes (bench/ceiling.h).
#include <string>
#include <vector>

#include "ceiling.h"
#include "muse/muse.h"

namespace {

using namespace muse;

using LayerNormFn = Tensor (*)(const Tensor&, const std::vector<int64_t>&, const Tensor&, const Tensor&, double);

Tensor composite(const Tensor& x, const std::vector<int64_t>&, const Tensor& w, const Tensor& b, double eps) {
  Tensor centered = x - mean(x, {-1}, true);
  return centered * rsqrt(mean(centered * centered, {-1}, true) + eps) * w + b;
}

// A copy of bytes / 2 moves `bytes` (read + write).
std::string ceiling_for(double bytes) { return bench::copy_ceiling(static_cast<int64_t>(bytes / 2)); }

void forward(benchmark::State& state, LayerNormFn f, int64_t R, int64_t N) {
  Tensor x = randn({R, N}), w = randn({N}), b = randn({N});
  f(x, {N}, w, b, 1e-5);  // warm-up: the output's pages are faulted in here
  for (auto _ : state) {
    Tensor y = f(x, {N}, w, b, 1e-5);
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  double bytes = 2.0 * R * N * sizeof(float);
  bench::report_bytes(state, bytes, ceiling_for(bytes));
}

void step(benchmark::State& state, LayerNormFn f, int64_t R, int64_t N) {
  Tensor x = randn({R, N}, {.requires_grad = true}), dy = randn({R, N});
  Tensor w = randn({N}, {.requires_grad = true}), b = randn({N}, {.requires_grad = true});
  f(x, {N}, w, b, 1e-5).backward(dy);
  for (auto _ : state) {
    for (Tensor* t : {&x, &w, &b}) t->mutable_grad() = Tensor();
    f(x, {N}, w, b, 1e-5).backward(dy);
  }
  double bytes = 5.0 * R * N * sizeof(float);
  bench::report_bytes(state, bytes, ceiling_for(bytes));
}

const bool kRegistered = [] {
  for (auto [R, N] : {std::pair<int64_t, int64_t>{16 * 128, 256}, {4096, 4096}}) {
    std::string size = std::to_string(R) + "x" + std::to_string(N);
    ceiling_for(2.0 * R * N * sizeof(float));
    ceiling_for(5.0 * R * N * sizeof(float));
    for (auto [name, f] : {std::pair<std::string, LayerNormFn>{"fused", layer_norm}, {"composite", composite}}) {
      benchmark::RegisterBenchmark(("layer_norm/forward/" + name + "/" + size).c_str(),
                                   [=](benchmark::State& s) { forward(s, f, R, N); })
          ->UseRealTime();
      benchmark::RegisterBenchmark(("layer_norm/step/" + name + "/" + size).c_str(),
                                   [=](benchmark::State& s) { step(s, f, R, N); })
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
