#include <doctest/doctest.h>

#include "muse/muse.h"

using namespace muse;

TEST_CASE("factory: constant fills, dtypes and options") {
  Tensor z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dtype() == kFloat32);
  CHECK(!z.requires_grad());
  CHECK(ones({2}, {.dtype = kInt64}).to_vector<int64_t>() == std::vector<int64_t>{1, 1});
  CHECK(full({3}, 2.5, {.dtype = kFloat64}).to_vector<double>() == std::vector<double>{2.5, 2.5, 2.5});
  Tensor g = zeros({1}, {.requires_grad = true});
  CHECK(g.requires_grad());
  CHECK(g.is_leaf());
  Tensor like = ones_like(full({2, 2}, 3, {.dtype = kFloat64}));
  CHECK(like.dtype() == kFloat64);
  CHECK(like.to_vector<double>() == std::vector<double>(4, 1.0));
  CHECK(scalar_tensor(7).dim() == 0);
  CHECK(scalar_tensor(7).item() == 7);
  CHECK(zeros({0, 3}).numel() == 0);
}

TEST_CASE("factory: arange, linspace, eye") {
  CHECK(arange(5).to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(arange(1, 2, 0.25, {.dtype = kFloat64}).to_vector<double>() == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(arange(5, 0, -2, {.dtype = kInt64}).to_vector<int64_t>() == std::vector<int64_t>{5, 3, 1});
  CHECK(linspace(0, 1, 5, {.dtype = kFloat64}).to_vector<double>() == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(linspace(3, 3, 1).to_vector<float>() == std::vector<float>{3});
  CHECK(eye(2, 3).to_vector<float>() == std::vector<float>{1, 0, 0, 0, 1, 0});
  CHECK_THROWS_WITH_AS(arange(0, 5, -1), doctest::Contains("arange: end 5 cannot be reached from start 0"), Error);
  CHECK_THROWS_WITH_AS(arange(0, 5, 0), doctest::Contains("arange: step must be nonzero"), Error);
  CHECK_THROWS_WITH_AS(linspace(0, 1, -1), doctest::Contains("linspace: number of steps must be non-negative"), Error);
}

TEST_CASE("factory: from values") {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(a.shape() == Shape{2, 3});
  CHECK(a.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor i = tensor({3, 1, 2}, {.dtype = kInt64});
  CHECK(i.to_vector<int64_t>() == std::vector<int64_t>{3, 1, 2});
  Tensor v = from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2});
  CHECK(v.dtype() == kFloat32);  // converted to the requested (default) dtype
  CHECK_THROWS_WITH_AS(from_vector(std::vector<float>{1, 2, 3}, {2, 2}), doctest::Contains("from_vector: 3 values cannot fill shape (2, 2)"), Error);
  CHECK_THROWS_WITH_AS(tensor({{1, 2}, {3}}), doctest::Contains("tensor: rows must all have 2 values"), Error);
  CHECK_THROWS_WITH_AS(zeros({2, -1}), doctest::Contains("negative size in shape (2, -1)"), Error);
}

TEST_CASE("factory: seeded random tensors repeat for the same seed") {
  manual_seed(42);
  Tensor a = randn({5});
  manual_seed(42);
  Tensor b = randn({5});
  CHECK(equal(a, b));
  Generator g1(1), g2(1);
  CHECK(equal(rand({7}, {}, g1), rand({7}, {}, g2)));
  Generator g3(2);
  Tensor r = randint(0, 10, {1000}, {.dtype = kInt64}, g3);
  std::vector<int64_t> v = r.to_vector<int64_t>();
  CHECK(*std::min_element(v.begin(), v.end()) == 0);
  CHECK(*std::max_element(v.begin(), v.end()) == 9);
  Tensor p = randperm(50, {.dtype = kInt64}, g3);
  std::vector<int64_t> perm = p.to_vector<int64_t>();
  std::sort(perm.begin(), perm.end());
  for (int64_t k = 0; k < 50; ++k) CHECK(perm[k] == k);
  Tensor bern = bernoulli(full({10000}, 0.25), g3);
  CHECK(bern.sum().item() == doctest::Approx(2500).epsilon(0.1));
  CHECK_THROWS_WITH_AS(randint(5, 5, {2}), doctest::Contains("randint: low 5 must be less than high 5"), Error);
  CHECK_THROWS_WITH_AS(randn({2}, {.dtype = kInt64}), doctest::Contains("randn: dtype must be floating-point"), Error);
  CHECK_THROWS_WITH_AS(bernoulli({2}, 1.5), doctest::Contains("bernoulli: probability 1.5 is not in [0, 1]"), Error);
}

TEST_CASE("factory: in-place random init is reproducible") {
  Generator g1(9), g2(9);
  Tensor a = empty({3, 4}), b = empty({3, 4});
  a.normal_(0, 2, g1);
  b.normal_(0, 2, g2);
  CHECK(equal(a, b));
  Tensor u = empty({1000});
  u.uniform_(-0.5, 0.5, g1);
  CHECK(u.max().item() < 0.5);
  CHECK(u.min().item() >= -0.5);
}

TEST_CASE("factory: nested single-value rows are 2-D, and impossible sizes are errors") {
  CHECK(tensor({{1}, {2}, {3}}).shape() == Shape{3, 1});
  CHECK(tensor({1.5, 2}).shape() == Shape{2});
  CHECK_THROWS_WITH_AS(zeros({int64_t{1} << 40, int64_t{1} << 30}), doctest::Contains("needs more bytes than fit in 64 bits"), Error);
  CHECK_THROWS_WITH_AS(arange(0, 1e30, 1e-30), doctest::Contains("arange: start 0, end 1e+30 and step 1e-30 give"), Error);
}
