// Random fills from Philox, number for number the CPU kernels' (tensor/cpu/random.cpp): counter
// (first + j) of the generator's stream gives elements [per * j, per * j + per), 4 per counter for
// 32-bit draws and 2 for 64-bit ones, and each element sees the same words and the same arithmetic.
// One thread per counter. Where GCC fuses the CPU's `low + scale * u` into an fma (it does at -O3
// with FMA instructions), the fma is written out here, so the roundings agree.
// Limitation: normal() runs log, sin and cos in double, and CUDA's double versions differ from glibc's
// by an ulp or two on some inputs, so float64 normals can differ from the CPU's in their last bits
// (float32 normals, rounded from those doubles, agree but for the rarest rounding ties).
#include <cmath>

#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "tensor/philox.h"

namespace muse::cuda {
namespace {

// out[i] = draw(i, words of element i) for every element, `per` elements per counter.
template <class T, int kPer, class Draw>
__global__ void philox_kernel(T* out, int64_t n, uint64_t seed, uint64_t first, Draw draw) {
  constexpr int kWords = 4 / kPer;
  int64_t counters = (n + kPer - 1) / kPer;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < counters; j += int64_t{gridDim.x} * blockDim.x) {
    philox::Block blk = philox::draw(seed, first + j);
#pragma unroll
    for (int e = 0; e < kPer; ++e) {
      int64_t i = kPer * j + e;
      if (i < n) out[i] = draw(i, blk.x + e * kWords);
    }
  }
}

template <int kPer, class T, class Draw>
void launch(const Array& out, Generator& gen, Draw draw) {
  int64_t n = out.numel(), counters = (n + kPer - 1) / kPer;
  uint64_t seed = gen.seed(), first = gen.advance(counters);
  if (n == 0) return;
  philox_kernel<T, kPer><<<blocks_for(counters), kThreads>>>(out.data<T>(), n, seed, first, draw);
  MUSE_LAUNCH_CHECK();
}

template <class T>
struct UniformFloat {
  double low, scale;
  __device__ T operator()(int64_t, const uint32_t* w) const {
    return static_cast<T>(fma(scale, static_cast<double>(philox::to_unit_float(w[0])), low));
  }
};

template <class T>
struct UniformDouble {
  double low, scale;
  __device__ T operator()(int64_t, const uint32_t* w) const {
    return static_cast<T>(fma(scale, philox::to_unit_double(w[0], w[1]), low));
  }
};

// Box-Muller on words (2k, 2k + 1) of a counter: r = sqrt(-2 log u1), theta = 2 pi u2; the even element
// takes r cos(theta), the odd one r sin(theta).
template <class T>
struct Normal {
  double mean, std;
  __device__ T operator()(int64_t i, const uint32_t* w) const {
    const uint32_t* pair = w - (i % 2);
    double u1 = (static_cast<double>(pair[0]) + 1.0) / 4294967297.0;  // in (0, 1): log is finite
    double u2 = static_cast<double>(pair[1]) / 4294967296.0;
    double r = sqrt(-2.0 * log(u1));
    double z = (i % 2 == 0) ? r * cos(2 * M_PI * u2) : r * sin(2 * M_PI * u2);
    return static_cast<T>(fma(std, z, mean));
  }
};

template <class T>
struct Bernoulli {
  double p;
  __device__ T operator()(int64_t, const uint32_t* w) const {
    return static_cast<T>(static_cast<double>(w[0]) / 4294967296.0 < p ? 1 : 0);
  }
};

// 64 random bits scaled to [0, range) by the high half of a 128-bit product (Lemire).
template <class T>
struct RandInt {
  int64_t low;
  uint64_t range;
  __device__ T operator()(int64_t, const uint32_t* w) const {
    uint64_t bits = (static_cast<uint64_t>(w[0]) << 32) | w[1];
    return static_cast<T>(low + static_cast<int64_t>(__umul64hi(bits, range)));
  }
};

}  // namespace

void uniform(const Array& out, Generator& gen, double low, double high) {
  dispatch_float(out.dtype, "uniform", [&]<class T>() {
    if constexpr (std::is_same_v<T, float>)
      launch<4, T>(out, gen, UniformFloat<T>{low, high - low});
    else
      launch<2, T>(out, gen, UniformDouble<T>{low, high - low});
  });
}

void normal(const Array& out, Generator& gen, double mean, double std) {
  dispatch_float(out.dtype, "normal", [&]<class T>() { launch<4, T>(out, gen, Normal<T>{mean, std}); });
}

void bernoulli(const Array& out, Generator& gen, double p) {
  dispatch(out.dtype, [&]<class T>() { launch<4, T>(out, gen, Bernoulli<T>{p}); });
}

void randint(const Array& out, Generator& gen, int64_t low, int64_t high) {
  dispatch(out.dtype, [&]<class T>() {
    launch<2, T>(out, gen, RandInt<T>{low, static_cast<uint64_t>(high - low)});
  });
}

}  // namespace muse::cuda
