#include "ceiling.h"

#include <immintrin.h>

#include <Eigen/Core>
#include <cstring>
#include <set>
#include <omp.h>
#include <vector>

#include "tensor/parallel.h"

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

#ifdef __AVX512F__
// One thread's FMA peak: 16 independent chains acc = acc * x + y (x just below 1, so the values settle
// and never overflow). An FMA's result is ready 4 cycles later and two issue per cycle, so at least 8
// chains must be in flight to keep both pipes busy; 16 zmm accumulators leave margin. Each FMA does
// 16 lanes x 2 flops. Returns one lane of the chains' sum so the compiler cannot drop the work.
constexpr int kChains = 16;
[[gnu::noinline]] float fma_chains(int64_t steps) {
  __m512 acc[kChains];
  __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(0.001f);
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  for (int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  for (int i = 1; i < kChains; ++i) acc[0] = _mm512_add_ps(acc[0], acc[i]);
  return _mm512_cvtss_f32(acc[0]);
}
#endif

// Every thread of the pool runs its own chains at once (one range of parallel_for per thread).
void fma_bench(benchmark::State& state) {
#ifdef __AVX512F__
  constexpr int64_t kSteps = 100000;
  int threads = parallel::num_threads();
  std::vector<float> sink(threads);
  for (auto _ : state) {
    parallel::parallel_for(threads, 0, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) sink[t] = fma_chains(kSteps);
    });
    benchmark::DoNotOptimize(sink.data());
  }
  double flops = 2.0 * 16 * kChains * kSteps * threads;
  state.counters["GFLOP/s"] = benchmark::Counter(flops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
#else
  state.SkipWithError("the FMA ceiling needs AVX-512");
#endif
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

std::string fma_ceiling() {
  std::string name = "ceiling/fma";
  if (registered().insert(name).second) benchmark::RegisterBenchmark(name.c_str(), fma_bench)->UseRealTime();
  return name;
}

void report_bytes(benchmark::State& state, double bytes, const std::string& ceiling) {
  state.counters["GB/s"] = benchmark::Counter(bytes * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(ceiling);
}

void report_flops(benchmark::State& state, double flops, const std::string& ceiling,
                  const std::string& second_ceiling) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(second_ceiling.empty() ? ceiling : ceiling + "," + second_ceiling);
}

}  // namespace muse::bench
