// Finite-difference checks of the views and copies in autograd/ops/shape.cpp.
#include <doctest/doctest.h>

#include "muse/muse.h"

using namespace muse;

namespace {
Tensor leaf(const Shape& shape, uint64_t seed) {
  Generator g(seed);
  return randn(shape, {.dtype = kFloat64, .requires_grad = true}, g);
}
// Weighting by a fixed random tensor makes every output element matter differently.
Tensor weigh(const Tensor& y, uint64_t seed = 99) {
  Generator g(seed);
  return y * randn(y.shape(), {.dtype = kFloat64}, g);
}
}  // namespace

TEST_CASE("gradcheck: view, reshape, flatten, squeeze, unsqueeze") {
  Tensor x = leaf({2, 3, 4}, 1);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].view({6, -1})); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].transpose(0, 2).reshape({4, 6})); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].flatten(1)); }, {x}));
  Tensor y = leaf({3, 1, 2}, 2);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].squeeze().unsqueeze(0)); }, {y}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].squeeze(1).unsqueeze(-1)); }, {y}));
  Tensor s = leaf({}, 3);  // 0-dim
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].reshape({1, 1})); }, {s}));
}

TEST_CASE("gradcheck: permute, transpose, t") {
  Tensor x = leaf({2, 3, 4}, 4);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].permute({2, 0, 1})); }, {x}));
  Tensor m = leaf({3, 5}, 5);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].t()); }, {m}));
}

TEST_CASE("gradcheck: slice, narrow, select, indexing") {
  Tensor x = leaf({5, 4}, 6);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].slice(0, 1, 5, 2)); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].t().slice(0, -3)); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].narrow(1, 1, 2)); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].select(1, -1)); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0][2]); }, {x}));
}

TEST_CASE("gradcheck: expand sums over the broadcast dims") {
  Tensor x = leaf({3, 1}, 7);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].expand({2, 3, 4})); }, {x}));
  Tensor s = leaf({}, 8);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].expand({3, 2})); }, {s}));
}

TEST_CASE("gradcheck: contiguous, clone and dtype conversion") {
  Tensor x = leaf({3, 4}, 9);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].t().contiguous()); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].clone()); }, {x}));
  // float64 -> float32 -> float64 loses precision, so compare with a coarser step and tolerance.
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return weigh(in[0].to(kFloat32).to(kFloat64)); }, {x},
                  {.eps = 1e-2, .atol = 1e-3, .rtol = 1e-3}));
}
