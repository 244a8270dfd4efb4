// Finite-difference gradchecks of the fused scaled_dot_product_attention (the recorded op
// "scaled_dot_product_attention"): no mask, causal (L < S and L > S), bool and float masks (with a row
// that may attend to nothing), a key padding mask (B, 1, 1, S) on (B, H, L, E), L != S and E != Ev,
// 2-D inputs, a given scale, non-contiguous q / k / v, sizes past one 64-query block, and dropout with a
// fresh Generator(seed) per call (so every evaluation drops the same elements).
#include <doctest/doctest.h>

#include <cmath>

#include "gradcheck_inputs.h"
#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;
using muse::testing::input;
using muse::testing::Inputs;

namespace {

auto sdpa(Tensor mask = {}, bool causal = false, double dropout = 0, std::optional<double> scale = {}) {
  return [=](const Inputs& v) {
    Generator gen(7);
    return scaled_dot_product_attention(v[0], v[1], v[2], mask, dropout, causal, scale, gen);
  };
}

// q (2, L, E), k (2, S, E), v (2, S, Ev) from seeds base, base + 1, base + 2.
Inputs qkv(int64_t L, int64_t S, int64_t E, int64_t Ev, uint64_t base) {
  return {input({2, L, E}, base), input({2, S, E}, base + 1), input({2, S, Ev}, base + 2)};
}

}  // namespace

TEST_CASE("gradcheck scaled_dot_product_attention without a mask") {
  CHECK(gradcheck(sdpa(), qkv(3, 3, 4, 4, 1)));
  CHECK(gradcheck(sdpa(), qkv(2, 5, 3, 2, 4)));   // L != S, E != Ev
  CHECK(gradcheck(sdpa(), qkv(1, 1, 1, 1, 7)));   // a single key
  CHECK(gradcheck(sdpa({}, false, 0, 0.7), qkv(3, 4, 2, 3, 10)));  // a given scale
  CHECK(gradcheck(sdpa(), {input({3, 2}, 13), input({4, 2}, 14), input({4, 3}, 15)}));  // no batch dims
  CHECK(gradcheck(sdpa(), {input({2, 3, 2, 4}, 16), input({2, 3, 5, 4}, 17), input({2, 3, 5, 1}, 18)}));
}

TEST_CASE("gradcheck scaled_dot_product_attention causal") {
  CHECK(gradcheck(sdpa({}, true), qkv(4, 4, 3, 2, 20)));
  CHECK(gradcheck(sdpa({}, true), qkv(3, 5, 2, 3, 23)));  // L < S
  CHECK(gradcheck(sdpa({}, true), qkv(5, 3, 2, 2, 26)));  // L > S: every query sees key 0
  // Past one block of 64 queries and keys: the backward's blocks meet on and off the diagonal.
  CHECK(gradcheck(sdpa({}, true), {input({1, 70, 1}, 29), input({1, 67, 1}, 30), input({1, 67, 1}, 31)}));
}

TEST_CASE("gradcheck scaled_dot_product_attention masked") {
  // Bool (L, S) with row 1 fully masked: its output is 0 and it gets no gradient.
  Tensor allowed = tensor({{1, 0, 1, 1}, {0, 0, 0, 0}, {1, 1, 1, 0}}) > 0.5;
  CHECK(gradcheck(sdpa(allowed), qkv(3, 4, 2, 3, 40)));
  // Float (2, 1, S) mask, broadcast over L; -inf entries mask like false.
  Tensor bias = tensor({{0.5, -1.0, -INFINITY, 2.0}, {0.0, -INFINITY, 0.3, -0.2}}, {.dtype = kFloat64}).view({2, 1, 4});
  CHECK(gradcheck(sdpa(bias), qkv(3, 4, 2, 3, 43)));
  // A key padding mask (B, 1, 1, S) on (B, H, L, E): read through its broadcast strides.
  Tensor pad = (tensor({{1, 1, 1, 0, 0}, {1, 1, 1, 1, 0}}) > 0.5).view({2, 1, 1, 5});
  CHECK(gradcheck(sdpa(pad), {input({2, 3, 2, 4}, 46), input({2, 3, 5, 4}, 47), input({2, 3, 5, 2}, 48)}));
}

TEST_CASE("gradcheck scaled_dot_product_attention of non-contiguous inputs") {
  // q as the transpose of (B, E, L), k as every other row of (B, 2S, E), v as a (B, L, H, E)-style permute.
  CHECK(gradcheck(
      [](const Inputs& v) {
        return scaled_dot_product_attention(v[0].transpose(1, 2), v[1].slice(1, 0, std::nullopt, 2),
                                            v[2].transpose(0, 1));
      },
      {input({2, 3, 4}, 50), input({2, 8, 3}, 51), input({4, 2, 2}, 52)}));
}

TEST_CASE("gradcheck scaled_dot_product_attention with dropout") {
  CHECK(gradcheck(sdpa({}, false, 0.3), qkv(3, 5, 2, 3, 60)));
  CHECK(gradcheck(sdpa({}, true, 0.5), qkv(4, 4, 3, 2, 63)));
}
