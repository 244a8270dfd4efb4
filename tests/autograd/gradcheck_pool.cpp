// Finite-difference gradchecks of pooling, upsampling and padding: max_pool2d (the recorded op) with
// strides, padding, dilation and ceil_mode on awkward sizes, 3-D and non-contiguous inputs; and the
// composed ops (avg_pool2d, adaptive_avg_pool2d, upsampling, pad) in every mode.
#include <doctest/doctest.h>

#include <vector>

#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;

namespace {

using Inputs = std::vector<Tensor>;

// Distinct values (a random permutation scaled), so that no max-pool window holds a near-tie that a
// finite difference could flip.
Tensor input(const Shape& shape, uint64_t seed) {
  Generator g(seed);
  Tensor perm = randperm(shape.numel(), {.dtype = kInt64}, g).to(kFloat64);
  return (perm * 0.1).reshape(shape).detach().requires_grad_();
}

}  // namespace

TEST_CASE("gradcheck max_pool2d") {
  auto pool = [](Int2 k, std::optional<Int2> s, Int2 p, Int2 d, bool ceil) {
    return [=](const Inputs& v) { return max_pool2d(v[0], k, s, p, d, ceil); };
  };
  CHECK(gradcheck(pool(3, 2, 1, 1, false), {input({2, 3, 7, 9}, 1)}));
  CHECK(gradcheck(pool({3, 2}, Int2{2, 1}, {1, 0}, {2, 1}, false), {input({1, 2, 8, 7}, 2)}));
  CHECK(gradcheck(pool(3, 2, 1, 1, true), {input({1, 2, 7, 6}, 3)}));
  CHECK(gradcheck(pool({2, 3}, Int2{3, 2}, 1, 2, true), {input({2, 1, 6, 5}, 4)}));
  CHECK(gradcheck(pool(2, {}, 0, 1, false), {input({3, 5, 5}, 5)}));  // (C, H, W), overlap-free
  CHECK(gradcheck(pool(3, 1, 1, 1, false), {input({1, 1, 4, 5}, 6)}));  // overlapping windows share maxima
  // Non-contiguous inputs: a transposed plane and a sliced batch.
  CHECK(gradcheck([](const Inputs& v) { return max_pool2d(v[0].transpose(2, 3), 2, 1); }, {input({1, 2, 5, 4}, 7)}));
  CHECK(gradcheck([](const Inputs& v) { return max_pool2d(v[0].slice(1, 0, std::nullopt, 2), {2, 3}, 2, 1); },
                  {input({2, 5, 5, 6}, 8)}));
}

TEST_CASE("gradcheck avg_pool2d and adaptive_avg_pool2d") {
  Tensor x = input({2, 2, 7, 8}, 10);
  CHECK(gradcheck([](const Inputs& v) { return avg_pool2d(v[0], 3, 2, 1); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return avg_pool2d(v[0], {3, 2}, Int2{2, 3}, 1, true, false); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return avg_pool2d(v[0], 3, 2, 1, true, true, 5); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return avg_pool2d(v[0].transpose(1, 2), 2); }, {input({3, 5, 4}, 11)}));
  CHECK(gradcheck([](const Inputs& v) { return adaptive_avg_pool2d(v[0], {3, 5}); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return adaptive_avg_pool2d(v[0].slice(3, 1, 7), {9, 2}); }, {x}));
}

TEST_CASE("gradcheck upsampling") {
  Tensor x = input({2, 2, 4, 5}, 20);
  CHECK(gradcheck([](const Inputs& v) { return upsample_nearest2d(v[0], {7, 9}); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return upsample_nearest2d(v[0], {3, 10}); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return upsample_nearest2d_scale(v[0], {1.7, 0.6}); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return upsample_bilinear2d(v[0], {7, 9}); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return upsample_bilinear2d(v[0], {7, 3}, true); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return upsample_bilinear2d_scale(v[0].transpose(2, 3), 1.5); }, {x}));
}

TEST_CASE("gradcheck pad") {
  Tensor x = input({2, 3, 4, 5}, 30);
  CHECK(gradcheck([](const Inputs& v) { return pad(v[0], {1, 2, 3, 0}, PadMode::Constant, 0.5); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return pad(v[0], {-1, 2, 0, -2}); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return pad(v[0], {2, 3, 1, 3}, PadMode::Reflect); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return pad(v[0], {3, 1, 0, 4}, PadMode::Replicate); }, {x}));
  CHECK(gradcheck([](const Inputs& v) { return pad(v[0].transpose(1, 2), {-1, 2}, PadMode::Reflect); },
                  {input({2, 3, 5}, 31)}));
}
