// The user errors the Foundation issue names, one case each: every one throws muse::Error whose
// message names the op and the offending shapes, dtypes or values.
#include <doctest/doctest.h>

#include "muse/muse.h"

using namespace muse;

TEST_CASE("errors: shapes that do not broadcast") {
  CHECK_THROWS_WITH_AS(ones({2, 3}) + ones({4}), doctest::Contains("add: shapes (2, 3) and (4,) do not broadcast"), Error);
}

TEST_CASE("errors: matmul inner dimensions") {
  CHECK_THROWS_WITH_AS(matmul(ones({3, 4}), ones({5, 6})), doctest::Contains("matmul: cannot multiply (3, 4) by (5, 6): 4 != 5"), Error);
}

TEST_CASE("errors: cat of mismatched shapes") {
  CHECK_THROWS_WITH_AS(cat({ones({2, 3}), ones({2, 4})}, 0), doctest::Contains("cat: "), Error);
  CHECK_THROWS_WITH_AS(cat({ones({2, 3}), ones({2, 4})}, 0), doctest::Contains("(2, 3)"), Error);
}

TEST_CASE("errors: out-of-range dims and indices") {
  CHECK_THROWS_WITH_AS(sum(ones({2, 3}), {2}), doctest::Contains("sum: dim 2 is out of range for a tensor of 2 dimensions"), Error);
  CHECK_THROWS_WITH_AS(softmax(ones({2, 3}), -3), doctest::Contains("softmax: dim -3 is out of range"), Error);
  CHECK_THROWS_WITH_AS(index_select(ones({5}), 0, tensor({7}, {.dtype = kInt64})), doctest::Contains("index_select: index 7 is out of range"), Error);
  CHECK_THROWS_WITH_AS(ones({3})[3], doctest::Contains("select: index 3 is out of range for dim 0 of size 3"), Error);
}

TEST_CASE("errors: dtype mismatches") {
  CHECK_THROWS_WITH_AS(ones({2}) + ones({2}, {.dtype = kFloat64}), doctest::Contains("add: dtype mismatch, float32 (2,) and float64 (2,)"), Error);
  CHECK_THROWS_WITH_AS(matmul(ones({2, 2}), ones({2, 2}, {.dtype = kFloat64})), doctest::Contains("matmul: dtype mismatch"), Error);
}

TEST_CASE("errors: integer tensors where floats are required") {
  Tensor i = ones({2}, {.dtype = kInt64});
  CHECK_THROWS_WITH_AS(exp(i), doctest::Contains("exp: expected a floating-point tensor (float32 or float64), got int64 of shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(softmax(i, 0), doctest::Contains("softmax: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(mean(i), doctest::Contains("mean: expected a floating-point tensor"), Error);
}

TEST_CASE("errors: backward without a gradient on a non-scalar, and through a freed graph") {
  Tensor x = ones({2, 2}, {.requires_grad = true});
  CHECK_THROWS_WITH_AS((x * 2).backward(), doctest::Contains("backward: grad can be implicitly created only for a tensor of one element, got shape (2, 2)"), Error);
  Tensor f = (x * x).sum();
  f.backward();
  CHECK_THROWS_WITH_AS(f.backward(), doctest::Contains("backward: trying to backward through the graph a second time (at sum)"), Error);
}

TEST_CASE("errors: item() on a tensor of several elements") {
  CHECK_THROWS_WITH_AS(ones({2, 2}).item(), doctest::Contains("item: a tensor with 4 elements (shape (2, 2))"), Error);
}

TEST_CASE("errors: undefined tensors are reported, not dereferenced") {
  Tensor undefined;
  CHECK_THROWS_WITH_AS(undefined.detach(), doctest::Contains("detach: got an undefined tensor"), Error);
  CHECK_THROWS_WITH_AS(exp(undefined), doctest::Contains("exp: got an undefined tensor"), Error);
  CHECK_THROWS_WITH_AS(undefined.backward(), doctest::Contains("backward: got an undefined tensor"), Error);
}
