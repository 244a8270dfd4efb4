// Views share storage with their base; shapes and values follow PyTorch.
#include <doctest/doctest.h>

#include "muse/muse.h"

using namespace muse;

namespace {
Tensor grid() { return arange(12).reshape({3, 4}); }  // [[0..3], [4..7], [8..11]]
}

TEST_CASE("views: reshape, view, flatten, squeeze, unsqueeze") {
  Tensor x = grid();
  CHECK(x.view({2, -1}).shape() == Shape{2, 6});
  CHECK(x.reshape({-1}).shape() == Shape{12});
  CHECK(x.unsqueeze(0).shape() == Shape{1, 3, 4});
  CHECK(x.unsqueeze(-1).shape() == Shape{3, 4, 1});
  CHECK(x.unsqueeze(1).squeeze().shape() == Shape{3, 4});
  CHECK(x.unsqueeze(1).squeeze(1).shape() == Shape{3, 4});
  CHECK(x.squeeze(0).shape() == Shape{3, 4});  // size 3: unchanged
  CHECK(zeros({2, 3, 4}).flatten(1).shape() == Shape{2, 12});
  CHECK(scalar_tensor(3).flatten().shape() == Shape{1});
  CHECK_THROWS_WITH_AS(x.view({5, -1}), doctest::Contains("view: shape (5, -1) is invalid for input of shape (3, 4)"), Error);
  CHECK_THROWS_WITH_AS(x.t().view({12}), doctest::Contains("view: the tensor of shape (4, 3) is not contiguous"), Error);
  CHECK_THROWS_WITH_AS(x.reshape({-1, -1}), doctest::Contains("reshape: only one dimension can be -1"), Error);
}

TEST_CASE("views: share storage with their base") {
  Tensor x = zeros({3, 4});
  Tensor row = x[1];
  row.fill_(5);
  CHECK(x.sum().item() == 20);
  x.t().select(0, 2).fill_(1);  // column 2
  CHECK(x.to_vector<float>() == std::vector<float>{0, 0, 1, 0, 5, 5, 1, 5, 0, 0, 1, 0});
}

TEST_CASE("views: permute, transpose, t, contiguous") {
  Tensor x = grid();
  Tensor t = x.t();
  CHECK(t.shape() == Shape{4, 3});
  CHECK(!t.is_contiguous());
  CHECK(t.contiguous().to_vector<float>() == std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  Tensor p = arange(24).reshape({2, 3, 4}).permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.select(0, 1).contiguous().to_vector<float>() == std::vector<float>{1, 5, 9, 13, 17, 21});
  CHECK_THROWS_WITH_AS(x.permute({0, 0}), doctest::Contains("permute: order (0, 0) repeats dim 0"), Error);
  CHECK_THROWS_WITH_AS(x.permute({0}), doctest::Contains("permute: order (0,) has 1 dims but the tensor has 2"), Error);
  CHECK_THROWS_WITH_AS(zeros({2, 2, 2}).t(), doctest::Contains("t: expects a tensor of at most 2 dims, got shape (2, 2, 2)"), Error);
}

TEST_CASE("views: slice with Python's rules, narrow and select") {
  Tensor x = grid();
  CHECK(x.slice(1, 1, 3).contiguous().to_vector<float>() == std::vector<float>{1, 2, 5, 6, 9, 10});
  CHECK(x.slice(0, -2).shape() == Shape{2, 4});
  CHECK(x.slice(1, 0, 100, 3).contiguous().to_vector<float>() == std::vector<float>{0, 3, 4, 7, 8, 11});
  CHECK(x.slice(1, 3, 1).shape() == Shape{3, 0});
  CHECK(x.narrow(0, 1, 2).contiguous().to_vector<float>() == std::vector<float>{4, 5, 6, 7, 8, 9, 10, 11});
  CHECK(x.select(1, -1).to_vector<float>() == std::vector<float>{3, 7, 11});
  CHECK_THROWS_WITH_AS(x.narrow(1, 2, 3), doctest::Contains("narrow: start 2 and length 3 are out of range for dim 1 of size 4"), Error);
  CHECK_THROWS_WITH_AS(x.select(0, 3), doctest::Contains("select: index 3 is out of range for dim 0 of size 3"), Error);
  CHECK_THROWS_WITH_AS(x.slice(0, 0, 2, 0), doctest::Contains("slice: step must be positive"), Error);
  CHECK_THROWS_WITH_AS(x.slice(2), doctest::Contains("slice: dim 2 is out of range for a tensor of 2 dimensions"), Error);
}

TEST_CASE("views: expand uses stride 0") {
  Tensor c = tensor({1, 2, 3}).unsqueeze(1);  // (3, 1)
  Tensor e = c.expand({2, 3, 4});
  CHECK(e.shape() == Shape{2, 3, 4});
  CHECK(e.strides() == Shape{0, 1, 0});
  CHECK(e.sum().item() == 2 * 4 * 6);
  CHECK(c.expand({-1, 5}).shape() == Shape{3, 5});
  CHECK_THROWS_WITH_AS(c.expand({4, 4}), doctest::Contains("expand: the tensor of shape (3, 1) cannot be expanded to (4, 4)"), Error);
}

TEST_CASE("views: to(dtype) converts; item and to_vector read values") {
  Tensor x = tensor({1.7, -2.2});
  CHECK(x.to(kInt64).to_vector<int64_t>() == std::vector<int64_t>{1, -2});
  CHECK(x.to(kFloat64).dtype() == kFloat64);
  CHECK(tensor({0, 2}).to(kBool).to_vector<bool>() == std::vector<bool>{false, true});
  CHECK(x[1].item() == doctest::Approx(-2.2));
  CHECK(x.sum().item<float>() == doctest::Approx(-0.5));
  CHECK_THROWS_WITH_AS(x.item(), doctest::Contains("item: a tensor with 2 elements (shape (2,)) cannot be converted to a number"), Error);
  CHECK_THROWS_WITH_AS(x.to_vector<double>(), doctest::Contains("to_vector: asked for float64 values from a float32 tensor"), Error);
}
