// CUDA kernels against the GPU's ceilings, measured in the same run (bench/main.cpp prints the ratios):
//   memory-bound ops (add, mul, gelu, sum, softmax, layer_norm, the fused Adam step) in GB/s of bytes
//   read + written, against a device-to-device cudaMemcpy moving the same number of bytes;
//   matmul in GFLOP/s against cuBLAS SGEMM at 8192^3 on raw buffers (TF32 off, as in muse by default),
//   and each matmul shape also as a bare cuBLAS call, to show what muse adds around it;
//   causal attention, the fused kernels (forward, and forward + backward) against the same attention
//   materialised through cuBLAS (q k^T, mask, softmax, times v), in time and in GFLOP/s of the
//   attention's products (4 B H T^2 D forward, 3.5 times that with the backward, mask not discounted).
// Each iteration is timed on the GPU with CUDA events (manual time): the time from the op's first
// launch to its last kernel's end, launch gaps included. Ops run once before timing, so their outputs
// come from the caching allocator.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "ceiling.h"
#include "muse/cuda.h"
#include "muse/muse.h"
#include "muse/optim/adam.h"

namespace {

using namespace muse;

void ok(cudaError_t err) {
  if (err != cudaSuccess) {
    std::fprintf(stderr, "bench_cuda: %s\n", cudaGetErrorString(err));
    std::abort();
  }
}
void ok(cublasStatus_t status) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    std::fprintf(stderr, "bench_cuda: cuBLAS status %d\n", static_cast<int>(status));
    std::abort();
  }
}

// Runs f once per iteration between two CUDA events and reports the GPU time between them.
void timed(benchmark::State& state, const std::function<void()>& f) {
  cudaEvent_t start, stop;
  ok(cudaEventCreate(&start));
  ok(cudaEventCreate(&stop));
  f();
  ok(cudaDeviceSynchronize());
  for (auto _ : state) {
    ok(cudaEventRecord(start));
    f();
    ok(cudaEventRecord(stop));
    ok(cudaEventSynchronize(stop));
    float ms = 0;
    ok(cudaEventElapsedTime(&ms, start, stop));
    state.SetIterationTime(ms / 1e3);
  }
  ok(cudaEventDestroy(start));
  ok(cudaEventDestroy(stop));
}

std::set<std::string>& registered() {
  static std::set<std::string> names;
  return names;
}

// A device-to-device copy that moves `bytes` (bytes / 2 read, bytes / 2 written).
std::string copy_ceiling(int64_t bytes) {
  std::string name = "ceiling/cuda_copy/" + std::to_string(bytes) + "B";
  if (!registered().insert(name).second) return name;
  benchmark::RegisterBenchmark(name.c_str(), [bytes](benchmark::State& state) {
    void *src = nullptr, *dst = nullptr;
    ok(cudaMalloc(&src, bytes / 2));
    ok(cudaMalloc(&dst, bytes / 2));
    ok(cudaMemset(src, 1, bytes / 2));
    timed(state, [&] { ok(cudaMemcpyAsync(dst, src, bytes / 2, cudaMemcpyDeviceToDevice)); });
    ok(cudaFree(src));
    ok(cudaFree(dst));
    bench::report_bytes(state, static_cast<double>(bytes), "");
  })->UseManualTime();
  return name;
}

// cuBLAS SGEMM, C (m, n) = A (m, k) B (k, n), on raw buffers with random values.
void raw_sgemm(benchmark::State& state, int64_t m, int64_t n, int64_t k, const std::string& ceiling) {
  Tensor a = randn({m, k}, {.device = kCUDA}), b = randn({k, n}, {.device = kCUDA}),
         c = empty({m, n}, {.device = kCUDA});
  cublasHandle_t h;
  ok(cublasCreate(&h));
  ok(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
  const float one = 1, zero = 0;
  timed(state, [&] {
    ok(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, b.data_ptr<float>(), n, a.data_ptr<float>(), k, &zero,
                   c.data_ptr<float>(), n));
  });
  ok(cublasDestroy(h));
  bench::report_flops(state, 2.0 * m * n * k, ceiling);
}

std::string gemm_ceiling() {
  const std::string name = "ceiling/cublas_sgemm/8192";
  if (registered().insert(name).second)
    benchmark::RegisterBenchmark(name.c_str(), [](benchmark::State& s) {
      raw_sgemm(s, 8192, 8192, 8192, "");
    })->UseManualTime();
  return name;
}

void reg(const std::string& name, const std::function<void(benchmark::State&)>& f) {
  benchmark::RegisterBenchmark(name.c_str(), f)->UseManualTime();
}

// A memory-bound op y = f(inputs) that moves `bytes` per call.
void memory_bound(const std::string& name, std::vector<Shape> shapes, double bytes,
                  std::function<Tensor(const std::vector<Tensor>&)> f) {
  std::string ceiling = copy_ceiling(static_cast<int64_t>(bytes));
  reg(name, [=](benchmark::State& state) {
    std::vector<Tensor> in;
    for (const Shape& s : shapes) in.push_back(randn(s, {.device = kCUDA}));
    Tensor out;
    timed(state, [&] { out = f(in); });
    bench::report_bytes(state, bytes, ceiling);
  });
}

struct Gemm {
  std::string name;
  int64_t m, n, k;
  bool ta, tb;
};

void matmul_bench(const Gemm& g) {
  std::string ceiling = gemm_ceiling(), dims = std::to_string(g.m) + "x" + std::to_string(g.n) + "x" +
                                               std::to_string(g.k) + (g.ta ? "/ta" : "") + (g.tb ? "/tb" : "");
  reg("matmul/" + g.name + "/" + dims, [=](benchmark::State& state) {
    TensorOptions o{.device = kCUDA};
    Tensor a = g.ta ? randn({g.k, g.m}, o).t() : randn({g.m, g.k}, o);
    Tensor b = g.tb ? randn({g.n, g.k}, o).t() : randn({g.k, g.n}, o);
    Tensor c;
    timed(state, [&] { c = matmul(a, b); });
    bench::report_flops(state, 2.0 * g.m * g.n * g.k, ceiling);
  });
  if (!g.ta && !g.tb)
    reg("cublas/" + g.name + "/" + dims, [=](benchmark::State& s) { raw_sgemm(s, g.m, g.n, g.k, ceiling); });
}

// layer_norm over rows of `cols`, with weight and bias. The forward reads x and writes y (8 bytes an
// element); with the backward, as autograd runs it, x is read again, dy read and dx written (20 bytes;
// the weight and bias gradients' (cols) traffic is left out).
void layer_norm_bench(int64_t cols, int64_t n, bool backward) {
  const int64_t rows = n / cols;
  const double bytes = (backward ? 20.0 : 8.0) * static_cast<double>(rows * cols);
  std::string ceiling = copy_ceiling(static_cast<int64_t>(bytes));
  reg(str("layer_norm/", backward ? "fwd_bwd" : "fwd", "/cols", cols, "/", n >> 20, "M"), [=](benchmark::State& state) {
    TensorOptions o{.device = kCUDA};
    Tensor x = randn({rows, cols}, o).requires_grad_(backward), dy = randn({rows, cols}, o);
    Tensor w = ones({cols}, o).requires_grad_(backward), b = zeros({cols}, o).requires_grad_(backward);
    timed(state, [&] {
      for (Tensor* t : {&x, &w, &b}) t->mutable_grad() = Tensor();  // no accumulation into old gradients
      Tensor y = layer_norm(x, {cols}, w, b);
      if (backward) y.backward(dy);
    });
    bench::report_bytes(state, bytes, ceiling);
  });
}

// One fused Adam step over a parameter of n elements: reads p, grad, exp_avg, exp_avg_sq and writes p,
// exp_avg, exp_avg_sq (28 bytes an element).
void adam_bench(int64_t n) {
  const double bytes = 28.0 * static_cast<double>(n);
  std::string ceiling = copy_ceiling(static_cast<int64_t>(bytes));
  reg(str("adam/", n >> 20, "M"), [=](benchmark::State& state) {
    Tensor p = randn({n}, {.device = kCUDA}).requires_grad_();
    p.mutable_grad() = randn({n}, {.device = kCUDA});
    optim::Adam opt({p}, {.lr = 1e-3});
    timed(state, [&] { opt.step(); });
    bench::report_bytes(state, bytes, ceiling);
  });
}

// Causal attention over (B, H, T, D): fused, or materialised through cuBLAS as PyTorch's math
// fallback does it, forward or forward + backward.
void attention_bench(int64_t B, int64_t H, int64_t T, int64_t D, bool fused, bool backward) {
  const double flops = 4.0 * B * H * T * T * D * (backward ? 3.5 : 1.0);
  std::string ceiling = gemm_ceiling();
  reg(str("attention/", fused ? "fused" : "materialised", "/", backward ? "fwd_bwd" : "fwd", "/B", B, "H", H, "T", T,
          "D", D),
      [=](benchmark::State& state) {
        TensorOptions o{.device = kCUDA};
        Tensor q = randn({B, H, T, D}, o).requires_grad_(backward), k = randn({B, H, T, D}, o).requires_grad_(backward),
               v = randn({B, H, T, D}, o).requires_grad_(backward), dy = randn({B, H, T, D}, o);
        Tensor positions = arange(static_cast<double>(T), {.dtype = kInt64, .device = kCUDA});
        Tensor allowed = positions.unsqueeze(1) >= positions.unsqueeze(0);  // (T, T): key s <= query l
        const double scale = 1.0 / std::sqrt(static_cast<double>(D));
        timed(state, [&] {
          for (Tensor* t : {&q, &k, &v}) t->mutable_grad() = Tensor();
          Tensor out;
          if (fused) {
            out = scaled_dot_product_attention(q, k, v, {}, 0, true);
          } else {
            Tensor scores = where(allowed, matmul(q, k.transpose(-2, -1)) * scale, -INFINITY);  // (B, H, T, T)
            out = matmul(softmax(scores, -1), v);
          }
          if (backward) out.backward(dy);
        });
        bench::report_flops(state, flops, ceiling);
      });
}

const bool kRegistered = [] {
  if (!cuda::is_available()) return false;
  for (int64_t n : {int64_t{1} << 24, int64_t{1} << 26}) {
    std::string size = std::to_string(n >> 20) + "M";
    memory_bound("add/" + size, {{n}, {n}}, 12.0 * n, [](const auto& v) { return v[0] + v[1]; });
    memory_bound("mul/" + size, {{n}, {n}}, 12.0 * n, [](const auto& v) { return v[0] * v[1]; });
    memory_bound("gelu/" + size, {{n}}, 8.0 * n, [](const auto& v) { return gelu(v[0]); });
    memory_bound("sum/all/" + size, {{n}}, 4.0 * n, [](const auto& v) { return sum(v[0]); });
    memory_bound("sum/dim0/" + size, {{n / 1024, 1024}}, 4.0 * n, [](const auto& v) { return sum(v[0], {0}); });
    for (int64_t row : {1024, 4096})
      memory_bound("softmax/rows" + std::to_string(row) + "/" + size, {{n / row, row}}, 8.0 * n,
                   [](const auto& v) { return softmax(v[0], 1); });
  }
  for (int64_t n : {int64_t{1} << 24, int64_t{1} << 26}) {
    for (int64_t cols : {768, 4096})
      for (bool backward : {false, true}) layer_norm_bench(cols, n, backward);
    adam_bench(n);
  }
  // GPT-2 124M's attention (batch 8, 12 heads of 64, context 1024), and the gpt workload's (16, 4, 128, 64).
  for (auto [B, H, T, D] : {std::array<int64_t, 4>{8, 12, 1024, 64}, {16, 4, 128, 64}})
    for (bool fused : {true, false})
      for (bool backward : {false, true}) attention_bench(B, H, T, D, fused, backward);
  for (int64_t s : {1024, 2048, 4096}) matmul_bench({"square", s, s, s, false, false});
  // mlp_gan at batch 64 (G 100-256-512-1024-784, D 784-512-256-1): forward x W^T, dx = dy W, dW = dy^T x.
  std::vector<std::pair<int64_t, int64_t>> layers = {{100, 256}, {256, 512}, {512, 1024}, {1024, 784},
                                                     {784, 512}, {512, 256}, {256, 1}};
  for (auto [in, out] : layers) {
    matmul_bench({"gan_forward", 64, out, in, false, true});
    matmul_bench({"gan_dx", 64, in, out, false, false});
    matmul_bench({"gan_dw", out, in, 64, true, false});
  }
  return true;
}();

}  // namespace
