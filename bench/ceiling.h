// The machine's ceilings, measured in the same run as the kernels they judge: a plain two-thread
// load/store copy loop (for memory-bound kernels, in GB/s of bytes read + written), plain Eigen GEMM on raw buffers
// with Eigen's own OpenMP threading (for matmul, in GFLOP/s), and the FMA peak: every thread of our pool
// issuing independent AVX-512 FMAs, the most any float32 kernel could do (GFLOP/s). A kernel benchmark
// calls report() with the work it did per iteration and the name of its ceiling (or two);
// bench/main.cpp prints the ratios at the end.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

namespace muse::bench {

// Registers (once) the copy benchmark for `bytes` bytes and returns its name.
std::string copy_ceiling(int64_t bytes);
// Registers (once) the Eigen GEMM benchmark for (M, K) x (K, N), float32, and returns its name.
std::string gemm_ceiling(int64_t m, int64_t n, int64_t k);
// Registers (once) the FMA-loop benchmark and returns its name (the machine's float32 FMA peak).
std::string fma_ceiling();

// Sets the rate counter ("GB/s" when unit is bytes, "GFLOP/s" for flops) and the ceiling label.
void report_bytes(benchmark::State& state, double bytes_per_iteration, const std::string& ceiling);
// A second ceiling adds a second ratio to the table ("eigen_gemm" and "fma" for matmul).
void report_flops(benchmark::State& state, double flops_per_iteration, const std::string& ceiling,
                  const std::string& second_ceiling = "");

}  // namespace muse::bench
