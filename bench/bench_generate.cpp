// Text generation with and without the KV cache: the gpt workload's model (4 layers, d_model 256, context
// 128, vocabulary 4000, random weights) continues a one-token prefix by 127 tokens, greedily, for a batch
// of 1 and of 16 sequences. Cached, step t feeds one new position and attends to the t cached keys and
// values: O(T) work per token. Uncached, step t runs the whole prefix again: O(T^2) per token (the
// attention part O(T^3) over the sequence). Reports tokens per second (batch x 127 / seconds).
//   ./build/bench/bench_generate
#include <benchmark/benchmark.h>

#include "muse/models/gpt.h"
#include "muse/muse.h"

namespace {

using namespace muse;

constexpr int64_t kNew = 127;  // tokens generated after the one-token prefix: the whole context

// The uncached way, as a model without a cache must do it: each step the full forward of the sequence.
std::vector<int64_t> generate_uncached(models::Gpt& net, std::vector<int64_t> row, int64_t n, int64_t batch) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t T = static_cast<int64_t>(row.size());
    std::vector<int64_t> ids;
    for (int64_t b = 0; b < batch; ++b) ids.insert(ids.end(), row.begin(), row.end());
    Tensor logits = net.forward(from_vector(ids, {batch, T}, {.dtype = kInt64}));  // (B, T, V)
    row.push_back(argmax(logits.select(1, T - 1).select(0, 0)).item<int64_t>());
  }
  return row;
}

void generate(benchmark::State& state) {
  const bool cached = state.range(0) == 1;
  const int64_t batch = state.range(1);
  manual_seed(0);
  models::Gpt net(models::GptConfig{});
  net.eval();
  NoGradGuard no_grad;
  const std::vector<std::vector<int64_t>> prefixes(static_cast<size_t>(batch), std::vector<int64_t>{1});
  for (auto _ : state) {
    if (cached) benchmark::DoNotOptimize(net.generate(prefixes, kNew, {.top_k = 1}));
    else benchmark::DoNotOptimize(generate_uncached(net, {1}, kNew, batch));
  }
  state.counters["tokens_per_second"] =
      benchmark::Counter(static_cast<double>(batch * kNew), benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(generate)->ArgNames({"cached", "batch"})->Args({1, 1})->Args({0, 1})->Args({1, 16})->Args({0, 16})
    ->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
