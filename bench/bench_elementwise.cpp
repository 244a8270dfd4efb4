// Elementwise throughput in GB/s (bytes read + written) against a plain two-thread memory copy that
// moves the same number of bytes (bench/ceiling.h): add and mul read two float32 arrays and write one
// (12 bytes per element), gelu (exact, erf form) reads one and writes one (8 bytes per element),
// at 1M elements (cache-resident on most machines) and 64M (main memory). The target is >= 70% of the
// copy rate at 64M. add and mul reach it; gelu is compute-bound: its Phi (normal_tail in
// tensor/elementwise_math.h) takes about 33 vector operations, 18 of them multiplies or fmas, per 16
// floats; on one Zen 5 core with AVX-512 that is 0.24 ns per element in cache (it was 0.38).
#include <functional>
#include <string>

#include "ceiling.h"
#include "muse/muse.h"

namespace {

using namespace muse;

using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;
using Unary = std::function<Tensor(const Tensor&)>;

// A copy of bytes / 2 moves `bytes` (read + write), the same traffic as the kernel it is compared to.
std::string ceiling_for(double bytes) { return bench::copy_ceiling(static_cast<int64_t>(bytes / 2)); }

void binary(benchmark::State& state, const Binary& op, int64_t n) {
  Tensor a = randn({n}), b = randn({n});
  op(a, b);  // warm-up: the first output's pages are faulted in here, not in the timed loop
  for (auto _ : state) {
    Tensor c = op(a, b);
    benchmark::DoNotOptimize(c.data_ptr<float>());
  }
  bench::report_bytes(state, 12.0 * n, ceiling_for(12.0 * n));
}

void unary(benchmark::State& state, const Unary& op, int64_t n) {
  Tensor x = randn({n});
  op(x);
  for (auto _ : state) {
    Tensor y = op(x);
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  bench::report_bytes(state, 8.0 * n, ceiling_for(8.0 * n));
}

const bool kRegistered = [] {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 26}) {
    std::string size = std::to_string(n >> 20) + "M";
    ceiling_for(12.0 * n);
    ceiling_for(8.0 * n);
    Binary add_op = [](const Tensor& a, const Tensor& b) { return add(a, b); };
    Binary mul_op = [](const Tensor& a, const Tensor& b) { return mul(a, b); };
    Unary gelu_op = [](const Tensor& x) { return gelu(x); };
    benchmark::RegisterBenchmark(("add/" + size).c_str(), [=](benchmark::State& s) { binary(s, add_op, n); })
        ->UseRealTime();
    benchmark::RegisterBenchmark(("mul/" + size).c_str(), [=](benchmark::State& s) { binary(s, mul_op, n); })
        ->UseRealTime();
    benchmark::RegisterBenchmark(("gelu/" + size).c_str(), [=](benchmark::State& s) { unary(s, gelu_op, n); })
        ->UseRealTime();
  }
  return true;
}();

}  // namespace
