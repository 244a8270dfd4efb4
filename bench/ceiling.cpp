#include "ceiling.h"

#include <Eigen/Core>
#include <cstring>
#include <set>
#include <omp.h>
#include <vector>

namespace muse::bench {
namespace {

std::set<std::string>& registered() {
  static std::set<std::string> names;
  return names;
}

// A plain loop of loads and stores, the way muse's kernels write memory (memcpy's non-temporal path
// for large sizes swings between 45 and 80 GB/s on these machines, a loop is steady). GCC would turn
// the loop into a memcpy call, hence the attribute.
[[gnu::optimize("no-tree-loop-distribute-patterns")]] void copy_floats(const float* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

void copy_bench(benchmark::State& state, int64_t bytes) {
  int64_t n = bytes / 4;
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);
  for (auto _ : state) {
    // Two OpenMP threads (a pool that persists between iterations), each copying half: the copy
    // bandwidth both cores can reach.
#pragma omp parallel num_threads(2)
    {
      int64_t half = n / 2, t = omp_get_thread_num();
      copy_floats(src.data() + t * half, dst.data() + t * half, t == 0 ? half : n - half);
    }
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.counters["GB/s"] = benchmark::Counter(2.0 * n * 4 * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void gemm_bench(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
  Eigen::setNbThreads(2);
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, k), b = Eigen::MatrixXf::Random(k, n), c(m, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * m * n * k * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

}  // namespace

std::string copy_ceiling(int64_t bytes) {
  std::string name = "ceiling/copy/" + std::to_string(bytes) + "B";
  if (registered().insert(name).second)
    benchmark::RegisterBenchmark(name.c_str(), [bytes](benchmark::State& s) { copy_bench(s, bytes); })
        ->UseRealTime();
  return name;
}

std::string gemm_ceiling(int64_t m, int64_t n, int64_t k) {
  std::string name = "ceiling/eigen_gemm/" + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
  if (registered().insert(name).second)
    benchmark::RegisterBenchmark(name.c_str(), [m, n, k](benchmark::State& s) { gemm_bench(s, m, n, k); })
        ->UseRealTime();
  return name;
}

void report_bytes(benchmark::State& state, double bytes, const std::string& ceiling) {
  state.counters["GB/s"] = benchmark::Counter(bytes * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(ceiling);
}

void report_flops(benchmark::State& state, double flops, const std::string& ceiling) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(ceiling);
}

}  // namespace muse::bench
