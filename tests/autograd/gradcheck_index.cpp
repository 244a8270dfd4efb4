// Finite-difference gradchecks of the joining and indexing ops: cat, stack, split / chunk (narrow views),
// index_select, gather and scatter_add, with strided inputs, negative dims and repeated indices.
#include <doctest/doctest.h>

#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;

namespace {

Tensor input(const Shape& shape) { return randn(shape, {.dtype = kFloat64, .requires_grad = true}); }
Tensor idx(std::initializer_list<Number> v) { return tensor(v, {.dtype = kInt64}); }
Tensor idx2(std::initializer_list<std::initializer_list<double>> rows) { return tensor(rows, {.dtype = kInt64}); }

}  // namespace

TEST_CASE("gradcheck cat") {
  Tensor a = input({2, 3}), b = input({2, 1}), c = input({3, 2});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return cat({v[0], v[1]}, 1); }, {a, b}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return cat({v[1], v[0], v[1]}, -1); }, {a, b}));
  // Strided inputs: c.t() is (2, 3) and a.slice(1, 1) is (2, 2).
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return cat({v[0].t(), v[1].slice(1, 1)}, 1); }, {c, a}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return cat({v[0], v[1].t()}, 0); }, {a, c}));
  // A 1-D empty input is skipped and gets no gradient.
  Tensor e = input({0});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return cat({v[0], v[1]}, 0); }, {e, a}));
}

TEST_CASE("gradcheck stack") {
  Tensor a = input({2, 3}), b = input({3, 2});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return stack({v[0], v[0]}, 0); }, {a}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return stack({v[0], v[1].t()}, 1); }, {a, b}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return stack({v[1].t(), v[0], v[0]}, -1); }, {a, b}));
  Tensor s = input({});  // 0-dim inputs
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return stack({v[0], v[1].sum()}); }, {s, a}));
}

TEST_CASE("gradcheck split and chunk (narrow views)") {
  Tensor x = input({5, 3});
  CHECK(gradcheck([](const std::vector<Tensor>& v) {
    std::vector<Tensor> p = split(v[0], 2);  // rows 2, 2, 1
    return cat({p[2], p[0] * p[1]}, 0);
  }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) {
    std::vector<Tensor> p = split(v[0].t(), std::vector<int64_t>{1, 4}, -1);
    return cat({p[1], p[0]}, 1);
  }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) {
    std::vector<Tensor> p = chunk(v[0], 2, 1);  // columns 2, 1
    return p[0] * p[1];
  }, {x}));
}

TEST_CASE("gradcheck index_select") {
  Tensor x = input({4, 3});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return index_select(v[0], 0, idx({3, 0, 3, 3})); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return index_select(v[0], -1, idx({2, 2, 1})); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return index_select(v[0].t(), 1, idx({1, 1, 0})); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) {
    return index_select(v[0].slice(0, 1, 4, 2), 0, scalar_tensor(1, {.dtype = kInt64}));
  }, {x}));
  Tensor s = input({});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return index_select(v[0], 0, idx({0})); }, {s}));
  Tensor y = input({2, 3, 2});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return index_select(v[0], 1, idx({0, 2, 0})); }, {y}));
}

TEST_CASE("gradcheck gather") {
  Tensor x = input({3, 4});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return gather(v[0], 1, idx2({{0, 0, 3}, {2, 2, 2}})); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return gather(v[0], 0, idx2({{2, 0}, {2, 2}, {1, 0}, {2, 1}})); },
                  {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return gather(v[0].t(), -1, idx2({{1, 1}, {0, 2}})); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return gather(v[0].slice(1, 1), 0, idx2({{1, 1, 0}})); }, {x}));
  Tensor s = input({});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return gather(v[0], 0, scalar_tensor(0, {.dtype = kInt64})); },
                  {s}));
  Tensor y = input({2, 3, 2});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return gather(v[0], 1, idx({0, 2, 2, 1}).reshape({1, 4, 1})); },
                  {y}));
}

TEST_CASE("gradcheck scatter_add") {
  Tensor x = input({3, 4}), src = input({2, 4}), big = input({3, 5});
  Tensor rows = idx2({{0, 2, 2, 0}, {2, 2, 1, 0}});
  CHECK(gradcheck([rows](const std::vector<Tensor>& v) { return scatter_add(v[0], 0, rows, v[1]); }, {x, src}));
  // src larger than index: only its corner is used and the rest gets a zero gradient.
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return scatter_add(v[0], -1, idx2({{3, 3}, {0, 3}}), v[1]); },
                  {x, big}));
  // Strided x and src: x.t() is (4, 3), big.t() is (5, 3).
  CHECK(gradcheck([](const std::vector<Tensor>& v) {
    return scatter_add(v[0].t(), 1, idx2({{1, 1, 1}, {0, 2, 0}}), v[1].t());
  }, {x, big}));
  Tensor s = input({}), t = input({});
  CHECK(gradcheck([](const std::vector<Tensor>& v) {
    return scatter_add(v[0], 0, scalar_tensor(0, {.dtype = kInt64}), v[1]);
  }, {s, t}));
}

TEST_CASE("gradcheck unbind") {
  using V = std::vector<Tensor>;
  Tensor x = input({3, 2, 4});
  // All slices, rejoined in another order along another dim.
  CHECK(gradcheck([](const V& v) { V p = unbind(v[0], 1); return stack({p[1], p[0]}, 2); }, {x}));
  // Some slices unused, one used twice, and x also used directly (its gradients add up).
  CHECK(gradcheck([](const V& v) { V p = unbind(v[0]); return p[0] * p[2] + p[2] + v[0].sum({0}); }, {x}));
  // A strided input (x.t()), the last dim, and a slice whose use gets no gradient path at all.
  CHECK(gradcheck([](const V& v) { V p = unbind(v[0].t(), -1); return p[1] * 2.0; }, {input({4, 3})}));
}
