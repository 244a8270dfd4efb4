// Random fills from Philox. A draw that needs 32 bits per element gives element i word i % 4 of
// counter (first + i / 4); one that needs 64 bits gives it words 2(i % 2), 2(i % 2) + 1 of counter
// (first + i / 2). The numbers depend only on the generator's (seed, offset), never on how the work is
// split among threads. normal uses Box-Muller on the words (2k, 2k + 1) and keeps both outputs.
#include <algorithm>
#include <cmath>

#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/parallel.h"
#include "tensor/philox.h"

namespace muse::cpu {
namespace {

// Calls f(i, w) for every element, w pointing at the element's first word; Per elements share
// one counter (4 for 32-bit draws, 2 for 64-bit ones). Per is a template argument and whole blocks
// need no bounds check: with a run-time count and a check per element the draws ran 3 to 9 times
// slower (bernoulli of 32K floats took 300 us, now 33 us; same numbers).
template <int Per, class F>
void for_each_draw(int64_t n, Generator& gen, F&& f) {
  constexpr int kWords = 4 / Per;
  const int64_t blocks = (n + Per - 1) / Per;
  const uint64_t seed = gen.seed(), first = gen.advance(blocks);
  parallel::parallel_for(blocks, kGrain / 4, [&](int64_t b, int64_t e) {
    const int64_t full = std::min(e, n / Per);  // blocks whose Per elements all exist
    for (int64_t j = b; j < full; ++j) {
      philox::Block blk = philox::draw(seed, first + j);
      for (int k = 0; k < Per; ++k) f(Per * j + k, blk.x + k * kWords);
    }
    for (int64_t j = std::max(b, full); j < e; ++j) {  // the last, partial block
      philox::Block blk = philox::draw(seed, first + j);
      for (int64_t k = 0; Per * j + k < n; ++k) f(Per * j + k, blk.x + k * kWords);
    }
  });
}

uint64_t bits64(const uint32_t* w) { return (static_cast<uint64_t>(w[0]) << 32) | w[1]; }

}  // namespace

void uniform(const Array& out, Generator& gen, double low, double high) {
  dispatch_float(out.dtype, "uniform", [&]<class T>() {
    T* o = out.data<T>();
    if constexpr (std::is_same_v<T, float>) {
      for_each_draw<4>(out.numel(), gen, [&](int64_t i, const uint32_t* w) {
        o[i] = static_cast<T>(low + (high - low) * philox::to_unit_float(w[0]));
      });
    } else {
      for_each_draw<2>(out.numel(), gen, [&](int64_t i, const uint32_t* w) {
        o[i] = static_cast<T>(low + (high - low) * philox::to_unit_double(w[0], w[1]));
      });
    }
  });
}

// Elements 2j and 2j + 1 share words (2k, 2k + 1) of a block, k = j % 2: drawn as pairs (two words each,
// two pairs per counter), each pair's log, sqrt and sincos are computed once for both of its elements.
void normal(const Array& out, Generator& gen, double mean, double std) {
  dispatch_float(out.dtype, "normal", [&]<class T>() {
    T* o = out.data<T>();
    int64_t n = out.numel();
    for_each_draw<2>((n + 1) / 2, gen, [&](int64_t j, const uint32_t* w) {
      // Box-Muller: r = sqrt(-2 log u1), theta = 2 pi u2; z0 = r cos theta, z1 = r sin theta.
      double u1 = (static_cast<double>(w[0]) + 1.0) / 4294967297.0;  // in (0, 1): log is finite
      double u2 = static_cast<double>(w[1]) / 4294967296.0;
      double r = std::sqrt(-2.0 * std::log(u1)), s, c;
      sincos(2 * M_PI * u2, &s, &c);
      double z0 = r * c, z1 = r * s;
      o[2 * j] = static_cast<T>(mean + std * z0);
      if (2 * j + 1 < n) o[2 * j + 1] = static_cast<T>(mean + std * z1);
    });
  });
}

void bernoulli(const Array& out, Generator& gen, double p) {
  dispatch(out.dtype, [&]<class T>() {
    T* o = out.data<T>();
    for_each_draw<4>(out.numel(), gen, [&](int64_t i, const uint32_t* w) {
      o[i] = static_cast<T>(static_cast<double>(w[0]) / 4294967296.0 < p ? 1 : 0);
    });
  });
}

void randint(const Array& out, Generator& gen, int64_t low, int64_t high) {
  dispatch(out.dtype, [&]<class T>() {
    T* o = out.data<T>();
    uint64_t range = static_cast<uint64_t>(high - low);
    for_each_draw<2>(out.numel(), gen, [&](int64_t i, const uint32_t* w) {
      // 64 random bits scaled to [0, range) by a 128-bit multiply (Lemire): bias below 2^-64 * range.
      uint64_t k = static_cast<uint64_t>((static_cast<unsigned __int128>(bits64(w)) * range) >> 64);
      o[i] = static_cast<T>(low + static_cast<int64_t>(k));
    });
  });
}

}  // namespace muse::cpu
