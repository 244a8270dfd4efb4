// Random streams: the GPU draws exactly the CPU's numbers for the same generator state, continues the
// stream the same way, and leaves the generator at the same offset.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "compare.h"
#include "tensor/array.h"
#include "tensor/backend.h"

using namespace muse;
using namespace cudatest;

namespace {

using Draw = std::function<void(Backend&, const Array&, Generator&)>;

// Draws twice from one seed on each device; returns how many elements differ by more than
// tol max(1, |x|).
int64_t differing(const Draw& draw, const Shape& shape, DType dtype, double tol) {
  Generator gc(1234), gg(1234);
  int64_t bad = 0;
  for (int round = 0; round < 2; ++round) {
    Array c = Array::empty(shape, dtype, kCPU), g = Array::empty(shape, dtype, kCUDA);
    draw(backend(kCPU), c, gc);
    draw(backend(kCUDA), g, gg);
    Array back = Array::empty(shape, dtype, kCPU);
    copy_across_devices(g, back);
    Array c64 = Array::empty(shape, kFloat64, kCPU), g64 = Array::empty(shape, kFloat64, kCPU);
    backend(kCPU).copy(c, c64);
    backend(kCPU).copy(back, g64);
    for (int64_t i = 0; i < c.numel(); ++i) {
      double x = c64.data<double>()[i], y = g64.data<double>()[i];
      bad += !(x == y || std::abs(x - y) <= tol * std::max(1.0, std::abs(x)));
    }
  }
  CHECK(gc.offset() == gg.offset());
  return bad;
}

}  // namespace

TEST_CASE("cuda: uniform, normal, bernoulli and randint draw the CPU's numbers") {
  std::vector<std::tuple<const char*, Draw, std::vector<DType>>> draws = {
      {"uniform", [](Backend& b, const Array& a, Generator& g) { b.uniform(a, g, -2, 3); }, {kFloat32, kFloat64}},
      {"normal", [](Backend& b, const Array& a, Generator& g) { b.normal(a, g, 0.5, 2); }, {kFloat32, kFloat64}},
      {"bernoulli",
       [](Backend& b, const Array& a, Generator& g) { b.bernoulli(a, g, 0.3); },
       {kFloat32, kFloat64, kInt64, kBool}},
      {"randint",
       [](Backend& b, const Array& a, Generator& g) { b.randint(a, g, -5, 1000003); },
       {kFloat32, kFloat64, kInt64}},
  };
  for (const auto& [name, draw, dtypes] : draws) {
    for (DType dtype : dtypes) {
      for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{1023}, int64_t{4097}, int64_t{1} << 20}) {
        INFO(str(name, " ", dtype, " n=", n));
        // float64 normals: CUDA's double log, sin and cos may differ from glibc's in the last ulps.
        bool f64_normal = std::string(name) == "normal" && dtype == kFloat64;
        CHECK(differing(draw, {n}, dtype, f64_normal ? 1e-14 : 0) == 0);
      }
    }
  }
}

TEST_CASE("cuda: factories honour the device and draw the CPU's streams") {
  TensorOptions gpu{.device = kCUDA};
  Generator a(5), b(5);
  CHECK(mismatch(rand({4097}, gpu, a), rand({4097}, {}, b), kExact).empty());
  CHECK(mismatch(randn({7, 1023}, gpu, a), randn({7, 1023}, {}, b), kExact).empty());
  CHECK(mismatch(randint(0, 10, {1023}, {.dtype = kInt64, .device = kCUDA}, a),
                 randint(0, 10, {1023}, {.dtype = kInt64}, b), kExact)
            .empty());
  CHECK(mismatch(bernoulli({1023}, 0.5, gpu, a), bernoulli({1023}, 0.5, {}, b), kExact).empty());
  CHECK(mismatch(randperm(1023, {.dtype = kInt64, .device = kCUDA}, a), randperm(1023, {.dtype = kInt64}, b), kExact)
            .empty());
  Generator other(6);
  Tensor p = rand({1023}, {}, other);
  CHECK(mismatch(bernoulli(p.cuda(), a), bernoulli(p, b), kExact).empty());
  CHECK(mismatch(zeros({7, 3}, gpu), zeros({7, 3}), kExact).empty());
  CHECK(mismatch(ones({4097}, {.dtype = kInt64, .device = kCUDA}), ones({4097}, {.dtype = kInt64}), kExact).empty());
  CHECK(mismatch(full({3}, 2.5, gpu), full({3}, 2.5), kExact).empty());
  CHECK(mismatch(arange(0, 1, 0.001, gpu), arange(0, 1, 0.001), kExact).empty());
  CHECK(mismatch(linspace(-1, 1, 4097, {.dtype = kFloat64, .device = kCUDA}),
                 linspace(-1, 1, 4097, {.dtype = kFloat64}), kExact)
            .empty());
  CHECK(mismatch(eye(5, 7, gpu), eye(5, 7), kExact).empty());
  CHECK(mismatch(tensor({{1, 2}, {3, 4}}, gpu), tensor({{1, 2}, {3, 4}}), kExact).empty());
  CHECK(mismatch(from_vector<int64_t>({1, 2, 3}, {3}, {.dtype = kFloat32, .device = kCUDA}), tensor({1, 2, 3}), kExact)
            .empty());
  Tensor z = zeros_like(randn({2, 3}, gpu));
  CHECK(z.device() == kCUDA);
  CHECK(randn({3}, {.device = kCUDA, .requires_grad = true}).requires_grad());
}
