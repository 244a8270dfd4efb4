// Philox against the published known-answer vectors, and the distributions' statistics.
#include <doctest/doctest.h>

#include <cmath>

#include "tensor/array.h"
#include "tensor/backend.h"
#include "tensor/parallel.h"
#include "tensor/philox.h"

using namespace muse;

TEST_CASE("philox: known-answer vectors of Philox4x32-10 (Salmon et al. 2011, Random123 kat_vectors)") {
  // counter 0, key 0
  philox::Block a = philox::draw(0, 0);
  CHECK(a.x[0] == 0x6627e8d5u);
  CHECK(a.x[1] == 0xe169c58du);
  CHECK(a.x[2] == 0xbc57ac4cu);
  CHECK(a.x[3] == 0x9b00dbd8u);
}

namespace {
Array draw_normal(int64_t n, uint64_t seed) {
  Generator g(seed);
  Array a = Array::empty({n}, kFloat64);
  backend(kCPU).normal(a, g, 0, 1);
  return a;
}
}  // namespace

TEST_CASE("random: the same seed gives the same numbers, whatever the thread count") {
  Array a = draw_normal(100000, 7);
  parallel::set_num_threads(1);
  Array b = draw_normal(100000, 7);
  parallel::set_num_threads(2);
  bool same = true;
  for (int64_t i = 0; i < 100000; ++i) same = same && a.data<double>()[i] == b.data<double>()[i];
  CHECK(same);
  Array c = draw_normal(100000, 8);
  CHECK(a.data<double>()[0] != c.data<double>()[0]);
}

TEST_CASE("random: successive draws continue the stream") {
  Generator g(3);
  Array a = Array::empty({10}, kFloat32), b = Array::empty({10}, kFloat32);
  backend(kCPU).uniform(a, g, 0, 1);
  backend(kCPU).uniform(b, g, 0, 1);
  CHECK(g.offset() == 6);  // 10 floats use 3 counters each time
  CHECK(a.data<float>()[0] != b.data<float>()[0]);
}

TEST_CASE("random: moments of uniform, normal, bernoulli and randint") {
  const int64_t n = 400000;
  Generator g(11);
  Array u = Array::empty({n}, kFloat64), z = Array::empty({n}, kFloat32), b = Array::empty({n}, kFloat32),
        r = Array::empty({n}, kInt64);
  backend(kCPU).uniform(u, g, -1, 3);
  backend(kCPU).normal(z, g, 2, 0.5);
  backend(kCPU).bernoulli(b, g, 0.3);
  backend(kCPU).randint(r, g, -2, 5);
  double su = 0, su2 = 0, sz = 0, sz2 = 0, sb = 0;
  int64_t lo = 100, hi = -100, outside = 0;
  for (int64_t i = 0; i < n; ++i) {
    double x = u.data<double>()[i], y = z.data<float>()[i];
    su += x, su2 += x * x, sz += y, sz2 += y * y, sb += b.data<float>()[i];
    lo = std::min(lo, r.data<int64_t>()[i]), hi = std::max(hi, r.data<int64_t>()[i]);
    outside += !(x >= -1 && x < 3);
  }
  CHECK(outside == 0);
  // Means within ~5 standard errors.
  CHECK(std::abs(su / n - 1) < 5 * std::sqrt(16.0 / 12 / n));
  CHECK(std::abs(su2 / n - (su / n) * (su / n) - 16.0 / 12) < 0.01);
  CHECK(std::abs(sz / n - 2) < 5 * 0.5 / std::sqrt(n));
  CHECK(std::abs(std::sqrt(sz2 / n - (sz / n) * (sz / n)) - 0.5) < 0.005);
  CHECK(std::abs(sb / n - 0.3) < 5 * std::sqrt(0.21 / n));
  CHECK(lo == -2);
  CHECK(hi == 4);
}
