// Joining, splitting and indexing ops: values derived by hand, PyTorch's split/chunk sizes, negative
// dims, 0-dim and empty edge cases, and every user error with its message.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "muse/ops.h"

using namespace muse;
using doctest::Contains;

namespace {

// 0, 1, ..., rows * cols - 1 as a float32 (rows, cols) matrix.
Tensor grid(int64_t rows, int64_t cols, DType dtype = kFloat32) {
  return arange(static_cast<double>(rows * cols), {.dtype = dtype}).reshape({rows, cols});
}

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }
std::vector<int64_t> ivalues(const Tensor& t) { return t.to_vector<int64_t>(); }
Tensor idx(std::initializer_list<Number> v) { return tensor(v, {.dtype = kInt64}); }
Tensor idx2(std::initializer_list<std::initializer_list<double>> rows) { return tensor(rows, {.dtype = kInt64}); }

}  // namespace

TEST_CASE("cat joins along a dim, negative dims and strided inputs included") {
  Tensor a = grid(2, 3), b = tensor({6, 7, 8}).reshape({1, 3});
  Tensor y = cat({a, b});
  CHECK(y.shape() == Shape{3, 3});
  CHECK(values(y) == std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8});

  Tensor c = tensor({9, 10}).reshape({2, 1});
  CHECK(values(cat({a, c}, 1)) == std::vector<float>{0, 1, 2, 9, 3, 4, 5, 10});
  CHECK(values(cat({c, a}, -1)) == std::vector<float>{9, 0, 1, 2, 10, 3, 4, 5});

  // a.t() is (3, 2) with strides (1, 3): [[0, 3], [1, 4], [2, 5]].
  Tensor y2 = cat({a.t(), a.t().slice(0, 1)}, 0);
  CHECK(y2.shape() == Shape{5, 2});
  CHECK(values(y2) == std::vector<float>{0, 3, 1, 4, 2, 5, 1, 4, 2, 5});
}

TEST_CASE("cat of one tensor copies it; empty inputs and other dtypes") {
  Tensor a = grid(2, 2);
  Tensor y = cat({a});
  CHECK(values(y) == values(a));
  CHECK(y.data_ptr<float>() != a.data_ptr<float>());

  // A (0, 2) tensor adds nothing; a 1-D empty tensor is skipped whatever the others' shape (PyTorch).
  CHECK(cat({zeros({0, 2}), a}).shape() == Shape{2, 2});
  CHECK(values(cat({zeros({0}), a, zeros({0})}, 1)) == values(a));
  CHECK(cat({zeros({0}), zeros({0})}).shape() == Shape{0});

  Tensor i = cat({idx({1, 2}), idx({3})});
  CHECK(i.dtype() == kInt64);
  CHECK(ivalues(i) == std::vector<int64_t>{1, 2, 3});
  Tensor m = cat({tensor({1, 0}, {.dtype = kBool}), tensor({1}, {.dtype = kBool})});
  CHECK(m.to_vector<bool>() == std::vector<bool>{true, false, true});
}

TEST_CASE("cat errors name the op, the shapes and the dim") {
  CHECK_THROWS_WITH_AS(cat({}), Contains("cat: expected a non-empty list of tensors"), Error);
  CHECK_THROWS_WITH_AS(cat({zeros({2, 3}), zeros({3, 3})}, 1),
                       "cat: tensors must match except in dim 1; got (2, 3) and (3, 3) at dim 0", Error);
  CHECK_THROWS_WITH_AS(cat({zeros({2, 3}), zeros({3})}),
                       Contains("cat: tensors must have the same number of dimensions; got (2, 3) and (3,)"), Error);
  CHECK_THROWS_WITH_AS(cat({zeros({2}), zeros({2}, {.dtype = kFloat64})}), Contains("cat: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(cat({zeros({2, 3})}, 2), Contains("cat: dim 2 is out of range"), Error);
  CHECK_THROWS_WITH_AS(cat({zeros({2}), scalar_tensor(1)}),
                       Contains("cat: zero-dimensional tensor (at position 1) cannot be concatenated"), Error);
}

TEST_CASE("stack adds a new dim at any position") {
  Tensor a = tensor({1, 2, 3}), b = tensor({4, 5, 6});
  Tensor y0 = stack({a, b});
  CHECK(y0.shape() == Shape{2, 3});
  CHECK(values(y0) == std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor y1 = stack({a, b}, 1);
  CHECK(y1.shape() == Shape{3, 2});
  CHECK(values(y1) == std::vector<float>{1, 4, 2, 5, 3, 6});
  CHECK(values(stack({a, b}, -1)) == values(y1));

  Tensor g = grid(2, 3);  // stacking strided views: g.t() is (3, 2)
  Tensor y2 = stack({g.t(), g.t()}, 2);
  CHECK(y2.shape() == Shape{3, 2, 2});
  CHECK(values(y2) == std::vector<float>{0, 0, 3, 3, 1, 1, 4, 4, 2, 2, 5, 5});

  Tensor s = stack({scalar_tensor(7), scalar_tensor(8)});  // 0-dim inputs give a vector
  CHECK(s.shape() == Shape{2});
  CHECK(values(s) == std::vector<float>{7, 8});
  CHECK(stack({zeros({0, 2}), zeros({0, 2})}, 1).shape() == Shape{0, 2, 2});
}

TEST_CASE("stack errors") {
  CHECK_THROWS_WITH_AS(stack({}), Contains("stack: expected a non-empty list of tensors"), Error);
  CHECK_THROWS_WITH_AS(stack({zeros({2, 3}), zeros({2, 4})}),
                       "stack: expected each tensor to be equal size, but got (2, 3) at position 0 and (2, 4) at "
                       "position 1",
                       Error);
  CHECK_THROWS_WITH_AS(stack({zeros({2}), zeros({2}, {.dtype = kInt64})}), Contains("stack: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(stack({zeros({2}), zeros({2})}, 2), Contains("stack: dim 2 is out of range"), Error);
  CHECK_THROWS_WITH_AS(stack({zeros({2}), zeros({2})}, -3), Contains("stack: dim -3 is out of range"), Error);
}

TEST_CASE("split by size gives views, the last one smaller") {
  Tensor x = arange(5);
  std::vector<Tensor> parts = split(x, 2);
  REQUIRE(parts.size() == 3);
  CHECK(values(parts[0]) == std::vector<float>{0, 1});
  CHECK(values(parts[1]) == std::vector<float>{2, 3});
  CHECK(values(parts[2]) == std::vector<float>{4});
  CHECK(parts[1].data_ptr<float>() == x.data_ptr<float>() + 2);  // a view, no copy

  CHECK(split(x, 5).size() == 1);
  CHECK(split(x, 7)[0].shape() == Shape{5});

  Tensor g = grid(2, 5);
  std::vector<Tensor> cols = split(g, 3, -1);
  REQUIRE(cols.size() == 2);
  CHECK(cols[0].shape() == Shape{2, 3});
  CHECK(values(cols[1]) == std::vector<float>{3, 4, 8, 9});

  std::vector<Tensor> empty = split(zeros({2, 0}), 2, 1);  // an empty dim gives one empty piece
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].shape() == Shape{2, 0});
  CHECK(split(zeros({0}), 0).size() == 1);
}

TEST_CASE("split by a list of sizes") {
  Tensor g = grid(2, 5);
  std::vector<Tensor> parts = split(g, std::vector<int64_t>{1, 3, 0, 1}, 1);
  REQUIRE(parts.size() == 4);
  CHECK(values(parts[0]) == std::vector<float>{0, 5});
  CHECK(values(parts[1]) == std::vector<float>{1, 2, 3, 6, 7, 8});
  CHECK(parts[2].shape() == Shape{2, 0});
  CHECK(values(parts[3]) == std::vector<float>{4, 9});
  CHECK(split(g, std::vector<int64_t>{2}, 0).size() == 1);
}

TEST_CASE("split errors") {
  Tensor x = arange(5);
  CHECK_THROWS_WITH_AS(split(x, 0), Contains("split: split_size must be positive, got 0"), Error);
  CHECK_THROWS_WITH_AS(split(x, -2), Contains("split: split_size must be positive, got -2"), Error);
  CHECK_THROWS_WITH_AS(split(x, std::vector<int64_t>{2, 2}),
                       "split: split sizes [2, 2] add up to 4 but dim 0 of shape (5,) has size 5", Error);
  CHECK_THROWS_WITH_AS(split(x, std::vector<int64_t>{6, -1}),
                       Contains("split: split sizes must be non-negative, got [6, -1]"), Error);
  CHECK_THROWS_WITH_AS(split(scalar_tensor(1), 1), Contains("split: cannot split a 0-dim tensor"), Error);
  CHECK_THROWS_WITH_AS(split(x, 2, 1), Contains("split: dim 1 is out of range"), Error);
}

TEST_CASE("chunk sizes follow PyTorch") {
  auto sizes = [](const std::vector<Tensor>& parts) {
    std::vector<int64_t> s;
    for (const Tensor& p : parts) s.push_back(p.numel());
    return s;
  };
  CHECK(sizes(chunk(arange(5), 3)) == std::vector<int64_t>{2, 2, 1});
  CHECK(sizes(chunk(arange(6), 4)) == std::vector<int64_t>{2, 2, 2});  // fewer than 4 pieces
  CHECK(sizes(chunk(arange(2), 4)) == std::vector<int64_t>{1, 1});
  CHECK(sizes(chunk(arange(6), 1)) == std::vector<int64_t>{6});
  CHECK(sizes(chunk(zeros({0}), 3)) == std::vector<int64_t>{0, 0, 0});
  std::vector<Tensor> rows = chunk(grid(4, 2), 2, -2);
  REQUIRE(rows.size() == 2);
  CHECK(values(rows[1]) == std::vector<float>{4, 5, 6, 7});
  CHECK_THROWS_WITH_AS(chunk(arange(4), 0), Contains("chunk: chunks must be positive, got 0"), Error);
  CHECK_THROWS_WITH_AS(chunk(arange(4), -1), Contains("chunk: chunks must be positive, got -1"), Error);
  CHECK_THROWS_WITH_AS(chunk(scalar_tensor(1), 2), Contains("chunk: cannot chunk a 0-dim tensor"), Error);
}

TEST_CASE("index_select picks slices along a dim") {
  Tensor g = grid(3, 4);  // [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
  Tensor rows = index_select(g, 0, idx({2, 0, 2}));
  CHECK(rows.shape() == Shape{3, 4});
  CHECK(values(rows) == std::vector<float>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  Tensor cols = index_select(g, -1, idx({3, 1}));
  CHECK(values(cols) == std::vector<float>{3, 1, 7, 5, 11, 9});
  // g.t() is (4, 3) = [[0, 4, 8], [1, 5, 9], ...]: rows 1 and 3.
  CHECK(values(index_select(g.t(), 0, idx({1, 3}))) == std::vector<float>{1, 5, 9, 3, 7, 11});

  Tensor one = index_select(g, 1, scalar_tensor(2, {.dtype = kInt64}));  // a 0-dim index keeps the dim
  CHECK(one.shape() == Shape{3, 1});
  CHECK(values(one) == std::vector<float>{2, 6, 10});
  CHECK(index_select(g, 0, zeros({0}, {.dtype = kInt64})).shape() == Shape{0, 4});
  Tensor s = index_select(scalar_tensor(5), 0, idx({0}));
  CHECK(s.shape() == Shape{});
  CHECK(s.item() == 5);

  CHECK(ivalues(index_select(grid(2, 2, kInt64), 1, idx({1, 1}))) == std::vector<int64_t>{1, 1, 3, 3});
  Tensor mask = tensor({1, 0, 1}, {.dtype = kBool});
  CHECK(index_select(mask, 0, idx({1, 2})).to_vector<bool>() == std::vector<bool>{false, true});
}

TEST_CASE("index_select backward adds repeated picks") {
  Tensor x = zeros({3}, {.dtype = kFloat64, .requires_grad = true});
  index_select(x, 0, idx({0, 0, 2, 0})).sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 0, 1});
}

TEST_CASE("index_select errors") {
  Tensor g = grid(3, 4);
  CHECK_THROWS_WITH_AS(index_select(g, 0, tensor({0, 1})),
                       Contains("index_select: index must be an int64 tensor, got float32 of shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(index_select(g, 0, zeros({2, 2}, {.dtype = kInt64})),
                       Contains("index_select: index must be 1-D or 0-dim, got shape (2, 2)"), Error);
  CHECK_THROWS_WITH_AS(index_select(g, 0, idx({0, 7})),
                       Contains("index_select: index 7 is out of range for a dim of size 3"), Error);
  CHECK_THROWS_WITH_AS(index_select(g, 1, idx({-1})),
                       Contains("index_select: index -1 is out of range for a dim of size 4"), Error);
  CHECK_THROWS_WITH_AS(index_select(g, 2, idx({0})), Contains("index_select: dim 2 is out of range"), Error);
  CHECK_THROWS_WITH_AS(index_select(scalar_tensor(1), 0, idx({0, 0})),
                       Contains("index_select: indexing a 0-dim tensor needs exactly one index, got 2"), Error);
}

TEST_CASE("gather follows the index along a dim") {
  Tensor x = tensor({{1, 2}, {3, 4}});
  // out[i][j] = x[i][index[i][j]]
  CHECK(values(gather(x, 1, idx2({{0, 0}, {1, 0}}))) == std::vector<float>{1, 1, 4, 3});
  // out[i][j] = x[index[i][j]][j]
  CHECK(values(gather(x, 0, idx2({{1, 0}, {1, 1}, {0, 1}}))) == std::vector<float>{3, 2, 3, 4, 1, 4});
  // An index smaller than x in the other dim reads only x's first rows.
  Tensor g = grid(3, 4);
  Tensor y = gather(g, -1, idx2({{3}, {0}}));
  CHECK(y.shape() == Shape{2, 1});
  CHECK(values(y) == std::vector<float>{3, 4});
  // g.t() is (4, 3): out[i][j] = g.t()[i][index[i][j]] = g[index][i]
  CHECK(values(gather(g.t(), 1, idx2({{2, 0}, {1, 1}}))) == std::vector<float>{8, 0, 5, 5});

  CHECK(gather(scalar_tensor(4), 0, scalar_tensor(0, {.dtype = kInt64})).item() == 4);
  CHECK(gather(g, 0, zeros({0, 4}, {.dtype = kInt64})).shape() == Shape{0, 4});
  CHECK(ivalues(gather(grid(2, 3, kInt64), 1, idx2({{2}, {1}}))) == std::vector<int64_t>{2, 4});
}

TEST_CASE("gather backward adds repeated picks") {
  Tensor x = zeros({2, 3}, {.dtype = kFloat64, .requires_grad = true});
  gather(x, 1, idx2({{0, 0, 2}, {1, 1, 1}})).sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 0, 1, 0, 3, 0});
}

TEST_CASE("gather errors") {
  Tensor g = grid(2, 3);
  CHECK_THROWS_WITH_AS(gather(g, 1, idx({0})),
                       "gather: index must have as many dims as input, got index of shape (1,) and input of shape "
                       "(2, 3)",
                       Error);
  CHECK_THROWS_WITH_AS(gather(g, 1, zeros({3, 1}, {.dtype = kInt64})),
                       "gather: index of shape (3, 1) is larger than input of shape (2, 3) in dim 0", Error);
  CHECK_THROWS_WITH_AS(gather(g, 1, idx2({{0}, {3}})),
                       "gather: index 3 is out of range for dim 1 of size 3 (expected 0 <= index < 3)", Error);
  CHECK_THROWS_WITH_AS(gather(g, 0, zeros({1, 1})), Contains("gather: index must be an int64 tensor"), Error);
  CHECK_THROWS_WITH_AS(gather(g, -3, idx2({{0}})), Contains("gather: dim -3 is out of range"), Error);
}

TEST_CASE("scatter_add adds src into a copy of x") {
  // The PyTorch docs' example: src is larger than index, and only its first row is used.
  Tensor x = zeros({3, 5});
  Tensor y = scatter_add(x, 0, idx2({{0, 1, 2, 0, 0}}), ones({2, 5}));
  CHECK(values(y) == std::vector<float>{1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0});
  CHECK(values(x) == std::vector<float>(15, 0));  // x itself is unchanged

  // Along dim 1 with repeated indices: y[i][index[i][j]] += src[i][j].
  Tensor base = tensor({{1, 1, 1}, {2, 2, 2}});
  Tensor src = tensor({{10, 20, 30}, {40, 50, 60}});
  Tensor y1 = scatter_add(base, -1, idx2({{0, 0, 2}, {1, 1, 1}}), src);
  CHECK(values(y1) == std::vector<float>{31, 1, 31, 2, 152, 2});
  // A strided src: src.t() is (3, 2) = [[10, 40], [20, 50], [30, 60]].
  Tensor y2 = scatter_add(zeros({2, 2}), 0, idx2({{1, 0}, {1, 1}}), src.t());
  CHECK(values(y2) == std::vector<float>{0, 40, 30, 50});

  Tensor i = scatter_add(zeros({3}, {.dtype = kInt64}), 0, idx({2, 2}), tensor({5, 6}, {.dtype = kInt64}));
  CHECK(ivalues(i) == std::vector<int64_t>{0, 0, 11});
  Tensor s = scatter_add(scalar_tensor(1), 0, scalar_tensor(0, {.dtype = kInt64}), scalar_tensor(2));
  CHECK(s.shape() == Shape{});
  CHECK(s.item() == 3);
  CHECK(values(scatter_add(ones({2}), 0, zeros({0}, {.dtype = kInt64}), zeros({0}))) == std::vector<float>{1, 1});
}

TEST_CASE("scatter_add errors") {
  Tensor x = zeros({2, 3});
  CHECK_THROWS_WITH_AS(scatter_add(x, 1, idx2({{0}}), zeros({1, 1}, {.dtype = kFloat64})),
                       Contains("scatter_add: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(scatter_add(zeros({2}, {.dtype = kBool}), 0, idx({0}), zeros({1}, {.dtype = kBool})),
                       "scatter_add: cannot add into a bool tensor of shape (2,)", Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 1, idx2({{0, 1}}), zeros({1, 1})),
                       "scatter_add: index of shape (1, 2) is larger than src of shape (1, 1) in dim 1", Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 1, zeros({3, 1}, {.dtype = kInt64}), zeros({3, 1})),
                       "scatter_add: index of shape (3, 1) is larger than input of shape (2, 3) in dim 0", Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, idx2({{2}}), zeros({1, 1})),
                       "scatter_add: index 2 is out of range for dim 0 of size 2 (expected 0 <= index < 2)", Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, idx({0}), zeros({1})),
                       Contains("scatter_add: index must have as many dims as input"), Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, tensor({0}).reshape({1, 1}), zeros({1, 1})),
                       Contains("scatter_add: index must be an int64 tensor"), Error);
}

TEST_CASE("one_hot") {
  Tensor y = one_hot(idx({0, 2, 1}));
  CHECK(y.dtype() == kInt64);
  CHECK(y.shape() == Shape{3, 3});
  CHECK(ivalues(y) == std::vector<int64_t>{1, 0, 0, 0, 0, 1, 0, 1, 0});
  CHECK(one_hot(idx({0, 2, 1}), 5).shape() == Shape{3, 5});
  Tensor y2 = one_hot(idx2({{1, 0}, {0, 1}}), 2);
  CHECK(y2.shape() == Shape{2, 2, 2});
  CHECK(ivalues(y2) == std::vector<int64_t>{0, 1, 1, 0, 1, 0, 0, 1});
  Tensor y0 = one_hot(scalar_tensor(2, {.dtype = kInt64}), 4);
  CHECK(ivalues(y0) == std::vector<int64_t>{0, 0, 1, 0});
  CHECK(one_hot(zeros({0}, {.dtype = kInt64}), 3).shape() == Shape{0, 3});

  CHECK_THROWS_WITH_AS(one_hot(idx({0, -1})), "one_hot: class values must be non-negative, got -1", Error);
  CHECK_THROWS_WITH_AS(one_hot(idx({0, 3}), 3),
                       "one_hot: class value 3 is out of range for num_classes 3 (expected 0 <= value < 3)", Error);
  CHECK_THROWS_WITH_AS(one_hot(tensor({0, 1})), Contains("one_hot: index must be an int64 tensor, got float32"),
                       Error);
  CHECK_THROWS_WITH_AS(one_hot(zeros({0}, {.dtype = kInt64})),
                       Contains("one_hot: cannot infer num_classes from an empty index of shape (0,)"), Error);
  CHECK_THROWS_WITH_AS(one_hot(idx({0}), -2), Contains("one_hot: num_classes must be -1 (inferred) or non-negative"),
                       Error);
}

TEST_CASE("large index ops match a plain loop (threaded kernels)") {
  // x (A, B, C) float64; every kernel's work is above the threading grain.
  const int64_t A = 7, B = 300, C = 37;
  Tensor x = randn({A, B, C}, {.dtype = kFloat64});
  std::vector<double> xv = x.to_vector<double>();
  auto at = [&](int64_t a, int64_t b, int64_t c) { return xv[(a * B + b) * C + c]; };

  Tensor sel = randint(0, B, {250});  // many repeats
  std::vector<int64_t> s = sel.to_vector<int64_t>();
  Tensor y = index_select(x, 1, sel);
  std::vector<double> yv = y.to_vector<double>(), expect;
  for (int64_t a = 0; a < A; ++a)
    for (int64_t j = 0; j < 250; ++j)
      for (int64_t c = 0; c < C; ++c) expect.push_back(at(a, s[j], c));
  CHECK(yv == expect);
  // Its backward adds the rows of dy picked more than once (index_add).
  Tensor xg = x.detach().requires_grad_();
  Tensor dy = randn({A, 250, C}, {.dtype = kFloat64});
  index_select(xg, 1, sel).backward(dy);
  std::vector<double> dyv = dy.to_vector<double>(), dx(A * B * C, 0.0);
  for (int64_t a = 0; a < A; ++a)
    for (int64_t j = 0; j < 250; ++j)
      for (int64_t c = 0; c < C; ++c) dx[(a * B + s[j]) * C + c] += dyv[(a * 250 + j) * C + c];
  std::vector<double> dxv = xg.grad().to_vector<double>();
  double dx_err = 0;
  for (size_t i = 0; i < dx.size(); ++i) dx_err = std::max(dx_err, std::abs(dxv[i] - dx[i]));
  CHECK(dx_err < 1e-12);

  // gather along dim 1 with an index smaller than x in dim 2; scatter_add the values back.
  Tensor gi = randint(0, B, {A, 400, 20});
  std::vector<int64_t> g = gi.to_vector<int64_t>();
  std::vector<double> gv = gather(x, 1, gi).to_vector<double>(), back(A * B * C, 0.0);
  bool same = true;
  for (int64_t a = 0; a < A; ++a)
    for (int64_t j = 0; j < 400; ++j)
      for (int64_t c = 0; c < 20; ++c) {
        int64_t flat = (a * 400 + j) * 20 + c;
        same = same && gv[flat] == at(a, g[flat], c);
        back[(a * B + g[flat]) * C + c] += gv[flat];
      }
  CHECK(same);
  Tensor sc = scatter_add(zeros({A, B, C}, {.dtype = kFloat64}), 1, gi, gather(x, 1, gi));
  std::vector<double> scv = sc.to_vector<double>();
  double err = 0;
  for (size_t i = 0; i < back.size(); ++i) err = std::max(err, std::abs(scv[i] - back[i]));
  CHECK(err < 1e-12);
}

TEST_CASE("unbind gives the slices along a dim as views; its gradient is assembled once per backward") {
  Tensor x = grid(2, 3);
  std::vector<Tensor> rows = unbind(x), cols = unbind(x, -1);
  REQUIRE(rows.size() == 2);
  REQUIRE(cols.size() == 3);
  CHECK(values(rows[1]) == std::vector<float>{3, 4, 5});
  CHECK(values(cols[2]) == std::vector<float>{2, 5});
  CHECK(rows[0].data_ptr<float>() == x.data_ptr<float>());  // a view
  CHECK(unbind(zeros({0, 2})).empty());

  // Unused slices get zeros; a retained graph gives the same gradient again, added to the first.
  Tensor w = grid(3, 2).requires_grad_();
  std::vector<Tensor> p = unbind(w);
  Tensor loss = (p[0] * 2.0 + p[2]).sum();
  loss.backward({}, /*retain_graph=*/true);
  CHECK(values(w.grad()) == std::vector<float>{2, 2, 0, 0, 1, 1});
  loss.backward();
  CHECK(values(w.grad()) == std::vector<float>{4, 4, 0, 0, 2, 2});
}

TEST_CASE("unbind errors") {
  CHECK_THROWS_WITH_AS(unbind(scalar_tensor(1)), Contains("unbind: cannot unbind a 0-dim tensor"), Error);
  CHECK_THROWS_WITH_AS(unbind(zeros({2, 3}), 2), Contains("unbind"), Error);
}
