// The LSTM cell's state update (muse::lstm_cell) on float32, the fused kernels beside the composite of
// autograd ops they replaced (chunk, 3 sigmoids, 2 tanhs, 3 muls, 1 add: each its own pass over memory
// and, with grad, its own graph node), at B = 32, H = 512 (a char-level model's step) and B = 256,
// H = 2048 (past the caches).
//   forward: no grad; the fused kernel reads gates (4BH) and c (BH), writes act (4BH), h and c (2BH):
//     11 BH floats.
//   step: forward with grad, then backward from h; the backward kernel reads act, c, c', dh, dc (8BH)
//     and writes dgates and dc_prev (5BH): 24 BH floats in all.
// Both versions are credited with the fused kernels' bytes, so their GB/s ratio is the speed-up; the
// ceiling is a copy moving as many bytes (bench/ceiling.h).
#include <string>
#include <vector>

#include "ceiling.h"
#include "muse/muse.h"

namespace {

using namespace muse;

using Cell = LstmState (*)(const Tensor&, const Tensor&);

LstmState composite(const Tensor& gates, const Tensor& c) {
  std::vector<Tensor> g = chunk(gates, 4, 1);  // (B, H) each: input, forget, cell, output
  Tensor c_next = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
  return {sigmoid(g[3]) * tanh(c_next), c_next};
}

// A copy of bytes / 2 moves `bytes` (read + write).
std::string ceiling_for(double bytes) { return bench::copy_ceiling(static_cast<int64_t>(bytes / 2)); }

void forward(benchmark::State& state, Cell cell, int64_t B, int64_t H) {
  Tensor gates = randn({B, 4 * H}), c = randn({B, H});
  cell(gates, c);  // warm-up: the outputs' pages are faulted in here
  for (auto _ : state) {
    LstmState s = cell(gates, c);
    benchmark::DoNotOptimize(s.h.data_ptr<float>());
  }
  double bytes = 11.0 * B * H * sizeof(float);
  bench::report_bytes(state, bytes, ceiling_for(bytes));
}

void step(benchmark::State& state, Cell cell, int64_t B, int64_t H) {
  Tensor gates = randn({B, 4 * H}, {.requires_grad = true}), c = randn({B, H}, {.requires_grad = true});
  Tensor dh = randn({B, H});
  cell(gates, c).h.backward(dh);
  for (auto _ : state) {
    gates.mutable_grad() = Tensor();
    c.mutable_grad() = Tensor();
    cell(gates, c).h.backward(dh);
  }
  double bytes = 24.0 * B * H * sizeof(float);
  bench::report_bytes(state, bytes, ceiling_for(bytes));
}

const bool kRegistered = [] {
  for (auto [B, H] : {std::pair<int64_t, int64_t>{32, 512}, {256, 2048}}) {
    std::string size = std::to_string(B) + "x" + std::to_string(H);
    ceiling_for(11.0 * B * H * sizeof(float));
    ceiling_for(24.0 * B * H * sizeof(float));
    for (auto [name, cell] : {std::pair<std::string, Cell>{"fused", lstm_cell}, {"composite", composite}}) {
      benchmark::RegisterBenchmark(("lstm_cell/forward/" + name + "/" + size).c_str(),
                                   [=](benchmark::State& s) { forward(s, cell, B, H); })
          ->UseRealTime();
      benchmark::RegisterBenchmark(("lstm_cell/step/" + name + "/" + size).c_str(),
                                   [=](benchmark::State& s) { step(s, cell, B, H); })
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
