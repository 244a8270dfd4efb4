// sum and softmax throughput in GB/s (bytes read + written) against a plain two-thread memory copy of
// the same input size (bench/ceiling.h): sum over 1M and 64M floats, softmax over rows of 1024.
// Each op runs once before timing, so its output comes from the caching allocator, not from fresh pages
// (a 256 MB output faulted in page by page would be timed at about 0.4 GB/s).
#include <string>

#include "ceiling.h"
#include "muse/muse.h"

namespace {

using namespace muse;

void sum_all(benchmark::State& state, int64_t n) {
  Tensor x = randn({n});
  for (auto _ : state) {
    Tensor s = sum(x);
    benchmark::DoNotOptimize(s.data_ptr<float>());
  }
  bench::report_bytes(state, 4.0 * n, bench::copy_ceiling(4 * n));
}

// Sums over dim 0 of (rows, 1024): the column layout, as in a bias gradient.
void sum_columns(benchmark::State& state, int64_t n) {
  Tensor x = randn({n / 1024, 1024});
  for (auto _ : state) {
    Tensor s = sum(x, {0});
    benchmark::DoNotOptimize(s.data_ptr<float>());
  }
  bench::report_bytes(state, 4.0 * n, bench::copy_ceiling(4 * n));
}

void softmax_rows(benchmark::State& state, int64_t n) {
  Tensor x = randn({n / 1024, 1024});
  softmax(x, 1);
  for (auto _ : state) {
    Tensor y = softmax(x, 1);
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  bench::report_bytes(state, 8.0 * n, bench::copy_ceiling(4 * n));
}

const bool kRegistered = [] {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 26}) {
    std::string size = std::to_string(n >> 20) + "M";
    bench::copy_ceiling(4 * n);
    benchmark::RegisterBenchmark(("sum/all/" + size).c_str(), [n](benchmark::State& s) { sum_all(s, n); })
        ->UseRealTime();
    benchmark::RegisterBenchmark(("sum/dim0/" + size).c_str(), [n](benchmark::State& s) { sum_columns(s, n); })
        ->UseRealTime();
    benchmark::RegisterBenchmark(("softmax/rows1024/" + size).c_str(),
                                 [n](benchmark::State& s) { softmax_rows(s, n); })
        ->UseRealTime();
  }
  return true;
}();

}  // namespace
