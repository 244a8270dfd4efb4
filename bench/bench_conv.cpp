// conv2d and conv_transpose2d on the eight layers of the dcgan workload (batch 64, 32 x 32 x 1 images), in
// GFLOP/s against plain Eigen GEMM on the equivalent product, measured in the same run.
//   conv2d (Cin -> Cout, k x k, output Ho x Wo): forward = one GEMM (Cout, Cin k k) x (Cin k k, N Ho Wo);
//   backward = dx (Cin k k, Cout) x (Cout, N Ho Wo) plus dW (Cout, N Ho Wo) x (N Ho Wo, Cin k k): twice the
//   forward's 2 N Cout Ho Wo Cin k k flops, judged against the dx product's ceiling.
//   conv_transpose2d (Cin -> Cout, input H x W) is conv2d's dx: forward (Cout k k, Cin) x (Cin, N H W);
//   backward = the conv2d forward on dy and its dW, twice the forward's flops.
// Backward is timed alone: the graph is built once and replayed with retain_graph.
// bench/torch/bench_conv.py times the same layers in PyTorch.
#include <string>
#include <vector>

#include "ceiling.h"
#include "muse/muse.h"

namespace {

using namespace muse;

struct Layer {
  std::string name;
  bool transposed;
  int64_t in, out, k, stride, padding, h;  // h: the input's height and width
};

constexpr int64_t kBatch = 64;

// The layer's output size, and the (M, N, K) of its forward GEMM.
struct Dims {
  int64_t m, n, k;
};
Dims forward_gemm(const Layer& l) {
  if (l.transposed) return {l.out * l.k * l.k, kBatch * l.h * l.h, l.in};
  int64_t ho = (l.h + 2 * l.padding - l.k) / l.stride + 1;
  return {l.out, kBatch * ho * ho, l.in * l.k * l.k};
}

Tensor apply(const Layer& l, const Tensor& x, const Tensor& w, const Tensor& b) {
  return l.transposed ? conv_transpose2d(x, w, b, l.stride, l.padding) : conv2d(x, w, b, l.stride, l.padding);
}

void run(benchmark::State& state, const Layer& l, bool backward) {
  bool grad = backward;
  Tensor x = randn({kBatch, l.in, l.h, l.h}, {.requires_grad = grad});
  Tensor w = randn(l.transposed ? Shape{l.in, l.out, l.k, l.k} : Shape{l.out, l.in, l.k, l.k}, {.requires_grad = grad});
  Tensor b = randn({l.out}, {.requires_grad = grad});
  Dims d = forward_gemm(l);
  if (!backward) {
    NoGradGuard no_grad;
    apply(l, x, w, b);  // warm-up: later outputs reuse its memory from the caching allocator
    for (auto _ : state) {
      Tensor y = apply(l, x, w, b);
      benchmark::DoNotOptimize(y.data_ptr<float>());
    }
    bench::report_flops(state, 2.0 * d.m * d.n * d.k, bench::gemm_ceiling(d.m, d.n, d.k));
    return;
  }
  Tensor y = apply(l, x, w, b);
  Tensor dy = randn(y.shape());
  for (auto _ : state) {
    x.mutable_grad() = Tensor();
    w.mutable_grad() = Tensor();
    b.mutable_grad() = Tensor();
    y.backward(dy, true);
  }
  // conv2d's input-gradient product, or the transposed layer's backward conv2d forward: both (K, N, M).
  bench::report_flops(state, 4.0 * d.m * d.n * d.k, bench::gemm_ceiling(d.k, d.n, d.m));
}

std::vector<Layer> layers() {
  return {
      {"G1_convT_100_256_s1p0", true, 100, 256, 4, 1, 0, 1}, {"G2_convT_256_128_s2p1", true, 256, 128, 4, 2, 1, 4},
      {"G3_convT_128_64_s2p1", true, 128, 64, 4, 2, 1, 8},   {"G4_convT_64_1_s2p1", true, 64, 1, 4, 2, 1, 16},
      {"D1_conv_1_64_s2p1", false, 1, 64, 4, 2, 1, 32},      {"D2_conv_64_128_s2p1", false, 64, 128, 4, 2, 1, 16},
      {"D3_conv_128_256_s2p1", false, 128, 256, 4, 2, 1, 8}, {"D4_conv_256_1_s1p0", false, 256, 1, 4, 1, 0, 4},
  };
}

const bool kRegistered = [] {
  for (const Layer& l : layers()) {
    Dims d = forward_gemm(l);
    bench::gemm_ceiling(d.m, d.n, d.k);
    bench::gemm_ceiling(d.k, d.n, d.m);
    for (bool backward : {false, true}) {
      std::string name = "conv/dcgan/" + l.name + (backward ? "/backward" : "/forward");
      benchmark::RegisterBenchmark(name.c_str(), [l, backward](benchmark::State& s) { run(s, l, backward); })
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
