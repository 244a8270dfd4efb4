// matmul (every transpose flag, batches, broadcast batches, vectors, the mlp_gan shapes, a bias added
// by the product), indexing
// (index_select, gather, scatter_add with repeated indices, one_hot), joining and splitting, and the
// view and copy ops, on the GPU against the CPU, forward and backward.
#include <doctest/doctest.h>

#include "compare.h"

using namespace muse;
using namespace cudatest;

TEST_CASE("cuda: matmul shapes, transposes and batches (TF32 off)") {
  struct Case {
    Shape a, b;
    bool ta, tb;  // the operand is made transposed and read through .t() / .transpose(-1, -2)
  };
  std::vector<Case> cases = {
      {{1, 1}, {1, 1}, false, false},       {{7, 1023}, {1023, 7}, false, false}, {{33, 65}, {65, 17}, true, false},
      {{33, 65}, {65, 17}, false, true},    {{33, 65}, {65, 17}, true, true},     {{4097, 3}, {3, 5}, false, false},
      {{4, 7, 9}, {4, 9, 5}, false, false}, {{4, 7, 9}, {9, 5}, false, false},    {{7, 9}, {3, 9, 5}, false, true},
      {{2, 1, 7, 9}, {3, 9, 5}, true, false}, {{64, 100}, {100, 256}, false, false},  // mlp_gan layer 1
      {{64, 1024}, {1024, 784}, false, true}, {{1023}, {1023}, false, false},        {{7}, {7, 5}, false, false},
      {{5, 7}, {7}, false, false},
  };
  for (const Case& c : cases) {
    auto stored = [](const Shape& s, bool t) {
      Shape r = s;
      if (t) std::swap(r[r.size() - 1], r[r.size() - 2]);
      return r;
    };
    Tensor a = random(stored(c.a, c.ta), 1), b = random(stored(c.b, c.tb), 2);
    check_op(str("matmul ", c.a, c.ta ? "^T" : "", " x ", c.b, c.tb ? "^T" : ""),
             [&](const auto& v) {
               return matmul(c.ta ? v[0].transpose(-1, -2) : v[0], c.tb ? v[1].transpose(-1, -2) : v[1]);
             },
             {a, b}, kMatmul);
  }
  check_op("matmul float64", [](const auto& v) { return matmul(v[0], v[1]); },
           {random({33, 65}, 3, kFloat64), random({65, 17}, 4, kFloat64)}, {1e-12, 1e-12});
  check_op("matmul with K = 0", [](const auto& v) { return matmul(v[0], v[1]); },
           {random({3, 0}, 5), random({0, 4}, 6)}, kExact);
}

// linear hands its bias to the backend's matmul, which adds it as the product is stored (on CUDA: c set to
// the bias, then cuBLAS with beta = 1): a (out,) bias, one of the output's shape, and a broadcast one.
TEST_CASE("cuda: linear's bias added by matmul (row, full and broadcast)") {
  auto f = [](const auto& v) { return linear(v[0], v[1], v[2]); };
  Tensor x = random({33, 130}, 1), w = random({65, 130}, 2);
  check_op("linear, bias (out,)", f, {x, w, random({65}, 3)}, kMatmul);
  check_op("linear, bias of the output's shape", f, {x, w, random({33, 65}, 4)}, kMatmul);
  check_op("linear, bias (rows, 1)", f, {x, w, random({33, 1}, 5)}, kMatmul);
  check_op("linear float64, bias (out,)", f,
           {random({7, 9}, 6, kFloat64), random({5, 9}, 7, kFloat64), random({5}, 8, kFloat64)}, {1e-12, 1e-12});
  check_op("linear with K = 0", f, {random({3, 0}, 9), random({4, 0}, 10), random({3, 4}, 11)}, kExact);
}

TEST_CASE("cuda: TF32 is off by default and can be switched on") {
  CHECK_FALSE(cuda::allow_tf32());
  Tensor a = random({512, 512}, 1), b = random({512, 512}, 2);
  Tensor exact = matmul(a, b);
  cuda::set_allow_tf32(true);
  CHECK(cuda::allow_tf32());
  Tensor fast = matmul(a.cuda(), b.cuda());
  cuda::set_allow_tf32(false);
  CHECK(mismatch(fast, exact, {5e-3, 0, true}).empty());  // TF32's 10-bit products
  CHECK_FALSE(mismatch(fast, exact, kMatmul).empty());      // and really TF32
  CHECK(mismatch(matmul(a.cuda(), b.cuda()), exact, kMatmul).empty());
}

TEST_CASE("cuda: index_select, gather and scatter_add with repeated indices") {
  Tensor x = random({7, 1023, 3}, 1);
  Tensor idx = randint(0, 1023, {4097});  // many repeats: index_add's atomics collide
  check_op("index_select dim 1", [&](const auto& v) { return index_select(v[0], 1, idx.to(v[0].device())); }, {x},
           kReduction);
  Tensor repeats = tensor({6, 0, 6}, {.dtype = kInt64});
  check_op("index_select dim 0", [&](const auto& v) { return index_select(v[0], 0, repeats.to(v[0].device())); },
           {x}, kReduction);
  check_op("index_select int64", [&](const auto& v) { return index_select(v[0], 0, idx.to(v[0].device())); },
           {randint(0, 9, {1023})}, kExact);
  Tensor g = randint(0, 1023, {7, 2000, 3});
  check_op("gather dim 1", [&](const auto& v) { return gather(v[0], 1, g.to(v[0].device())); }, {x}, kReduction);
  Tensor rows = randint(0, 1023, {9, 7, 3});
  check_op("gather of a transposed input",
           [&](const auto& v) { return gather(v[0].transpose(0, 1), 0, rows.to(v[0].device())); }, {x}, kReduction);
  Tensor s = randint(0, 7, {5, 1023, 3});
  check_op("scatter_add dim 0", [&](const auto& v) { return scatter_add(v[0], 0, s.to(v[0].device()), v[1]); },
           {x, random({5, 1023, 3}, 2)}, kReduction);
  Tensor corner = randint(0, 1023, {7, 4, 3});
  check_op("scatter_add with a larger src",
           [&](const auto& v) { return scatter_add(v[0], 1, corner.to(v[0].device()), v[1]); },
           {x, random({7, 9, 3}, 3)}, kReduction);
  check_op("one_hot", [](const auto& v) { return one_hot(v[0], 10); }, {randint(0, 10, {4097})}, kExact);
}

TEST_CASE("cuda: index errors name the op and the index") {
  Tensor x = random({5, 3}, 1).cuda();
  Tensor bad = tensor({1, 5}, {.dtype = kInt64, .device = kCUDA});
  CHECK_THROWS_WITH_AS(index_select(x, 0, bad), doctest::Contains("index_select: index 5 is out of range"), Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, tensor({{0, 3}}, {.dtype = kInt64, .device = kCUDA})),
                       doctest::Contains("gather: index 3 is out of range for dim 1 of size 3"), Error);
  Tensor neg = tensor({{-1, 0, 0}}, {.dtype = kInt64, .device = kCUDA});
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, neg, x), doctest::Contains("scatter_add: index -1 is out of range"), Error);
  // The device is still usable after a reported error.
  CHECK(mismatch(x.sum(), x.cpu().sum(), kReduction).empty());
}

TEST_CASE("cuda: cat, stack, split, chunk and the views") {
  Tensor a = random({7, 1023}, 1), b = random({7, 5}, 2), c = random({7, 1023}, 3);
  check_op("cat", [](const auto& v) { return cat({v[0], v[1], v[0]}, 1); }, {a, b}, kExact);
  check_op("stack", [](const auto& v) { return stack({v[0], v[1]}, 1); }, {a, c}, kExact);
  check_op("split", [](const auto& v) { return split(v[0], 100, 1)[10] * 2.0; }, {a}, kExact);
  check_op("chunk", [](const auto& v) { return chunk(v[0], 3, 0)[2].exp(); }, {a}, kElementwise);
  Tensor x = random({3, 5, 7}, 4);
  std::vector<std::pair<const char*, Fn>> views = {
      {"reshape", [](const auto& v) { return v[0].reshape({15, 7}) * 1.5; }},
      {"permute", [](const auto& v) { return v[0].permute({2, 0, 1}).contiguous(); }},
      {"transpose", [](const auto& v) { return v[0].transpose(0, 2) + 1.0; }},
      {"slice", [](const auto& v) { return v[0].slice(2, 1, 6, 2).clone(); }},
      {"narrow", [](const auto& v) { return v[0].narrow(1, 1, 3) * v[0].narrow(1, 2, 3); }},
      {"select", [](const auto& v) { return v[0].select(1, 4) * 2.0; }},
      {"expand", [](const auto& v) { return v[0].unsqueeze(0).expand({4, 3, 5, 7}) * 1.0; }},
      {"squeeze", [](const auto& v) { return v[0].narrow(1, 2, 1).squeeze(1) + 0.0; }},
      {"flatten", [](const auto& v) { return v[0].flatten(1).t().contiguous(); }},
      {"to float64", [](const auto& v) { return v[0].to(kFloat64) * 2.0; }},
      {"to int64", [](const auto& v) { return (v[0] * 10.0).to(kInt64); }},
      {"to bool", [](const auto& v) { return v[0].to(kBool); }},
  };
  for (const auto& [name, f] : views) check_op(name, f, {x}, kElementwise);
}
