// The fused Adam step (optim::Adam::step -> Backend::adam) in GB/s against a plain two-thread memory
// copy of the same traffic (bench/ceiling.h). Per float32 element a step reads the parameter, its
// gradient and both moments and writes back the parameter and moments: 28 bytes (36 with amsgrad,
// which also reads and writes max_exp_avg_sq). PyTorch 1.13's CPU Adam (its single-tensor path) runs
// about nine elementwise kernels per parameter instead of one, some of them allocating a parameter-sized
// temporary; bench/bench_adam_torch.py times it the same way (bench/results/*-adam.txt compares them).
#include <string>

#include "ceiling.h"
#include "muse/muse.h"
#include "muse/optim/adam.h"

namespace {

using namespace muse;

std::string ceiling_for(double bytes) { return bench::copy_ceiling(static_cast<int64_t>(bytes / 2)); }

void adam_step(benchmark::State& state, int64_t n, bool amsgrad) {
  Tensor p = randn({n}).requires_grad_();
  p.mutable_grad() = randn({n});
  optim::Adam opt({p}, {.lr = 1e-3, .weight_decay = 0.01, .amsgrad = amsgrad});
  opt.step();  // warm-up: allocates and faults in the moments
  for (auto _ : state) {
    opt.step();
    benchmark::DoNotOptimize(p.data_ptr<float>());
  }
  const double bytes = (amsgrad ? 36.0 : 28.0) * n;
  bench::report_bytes(state, bytes, ceiling_for(bytes));
}

const bool kRegistered = [] {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 24}) {
    for (bool amsgrad : {false, true}) {
      std::string name = std::string("adam") + (amsgrad ? "_amsgrad/" : "/") + std::to_string(n >> 20) + "M";
      ceiling_for((amsgrad ? 36.0 : 28.0) * n);
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) { adam_step(s, n, amsgrad); })
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
