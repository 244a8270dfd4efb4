// Finite-difference gradchecks of the fused layer ops: linear (2-D, 3-D and 1-D inputs, transposed and
// sliced operands, biases of the output's shape and broadcast ones, without bias, with only some inputs
// requiring grad) and batch_norm (training on (N, C) and (N, C, L), non-contiguous inputs, without affine
// parameters; eval, which composes ops).
#include <doctest/doctest.h>

#include <vector>

#include "gradcheck_inputs.h"
#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;
using muse::testing::input;
using muse::testing::Inputs;

TEST_CASE("gradcheck linear") {
  Tensor x = input({5, 4}, 1), w = input({3, 4}, 2), b = input({3}, 3);
  auto f = [](const Inputs& v) { return linear(v[0], v[1], v[2]); };
  CHECK(gradcheck(f, {x, w, b}));
  CHECK(gradcheck(f, {input({2, 3, 4}, 4), w, b}));  // (..., in)
  CHECK(gradcheck(f, {input({4}, 5), w, b}));        // a single vector
  CHECK(gradcheck([](const Inputs& v) { return linear(v[0], v[1]); }, {x, w}));
  // Non-contiguous operands: a transposed input and weight, a sliced input.
  CHECK(gradcheck([](const Inputs& v) { return linear(v[0].t(), v[1].t(), v[2]); }, {input({4, 5}, 6), input({4, 3}, 7), b}));
  CHECK(gradcheck([](const Inputs& v) { return linear(v[0].slice(1, 0, std::nullopt, 2), v[1], v[2]); },
                  {input({5, 8}, 8), w, b}));
  CHECK(gradcheck([](const Inputs& v) { return linear(v[0].transpose(0, 1), v[1], v[2]); }, {input({3, 2, 4}, 9), w, b}));
  // A bias of the output's shape (added inside the GEMM) and broadcast ones (added after it).
  CHECK(gradcheck(f, {x, w, input({5, 3}, 14)}));
  CHECK(gradcheck(f, {input({2, 3, 4}, 15), w, input({2, 1, 3}, 16)}));
  CHECK(gradcheck(f, {x, w, input({5, 1}, 17)}));
  // Only some inputs require grad.
  CHECK(gradcheck(f, {input({5, 4}, 10, false), w, b}));
  CHECK(gradcheck(f, {x, input({3, 4}, 11, false), input({3}, 12, false)}));
  CHECK(gradcheck(f, {x, w, input({3}, 13, false)}));
}

TEST_CASE("gradcheck batch_norm in training") {
  Tensor w = input({3}, 20), b = input({3}, 21);
  auto f = [](const Inputs& v) { return batch_norm(v[0], Tensor(), Tensor(), v[1], v[2], true, 0.1, 1e-5); };
  CHECK(gradcheck(f, {input({5, 3}, 22), w, b}));
  CHECK(gradcheck(f, {input({4, 3, 2}, 23), w, b}));
  CHECK(gradcheck(f, {input({2, 3}, 24), w, b}));  // the smallest batch
  CHECK(gradcheck(f, {input({2, 3, 3, 2}, 34), w, b}));  // (N, C, H, W), as BatchNorm2d
  // Running statistics do not change the training output or its gradient.
  Tensor rm = zeros({3}, {.dtype = kFloat64}), rv = ones({3}, {.dtype = kFloat64});
  CHECK(gradcheck([&](const Inputs& v) { return batch_norm(v[0], rm, rv, v[1], v[2], true, 0.1, 1e-5); },
                  {input({4, 3}, 25), w, b}));
  // Non-contiguous inputs: a transposed (C, N) matrix, a sliced batch, a permuted (N, L, C) tensor.
  CHECK(gradcheck([&](const Inputs& v) { return f({v[0].t(), v[1], v[2]}); }, {input({3, 6}, 26), w, b}));
  CHECK(gradcheck([&](const Inputs& v) { return f({v[0].slice(0, 0, std::nullopt, 2), v[1], v[2]}); },
                  {input({7, 3}, 27), w, b}));
  CHECK(gradcheck([&](const Inputs& v) { return f({v[0].permute({0, 2, 1}), v[1], v[2]}); },
                  {input({3, 4, 3}, 28), w, b}));
  // Without affine parameters, and with only x requiring grad.
  CHECK(gradcheck([](const Inputs& v) { return batch_norm(v[0], Tensor(), Tensor(), Tensor(), Tensor(), true); },
                  {input({4, 3, 2}, 29)}));
  CHECK(gradcheck(f, {input({4, 3}, 30), input({3}, 31, false), input({3}, 32, false)}));
  CHECK(gradcheck(f, {input({4, 3}, 33, false), w, b}));
}

TEST_CASE("gradcheck batch_norm in eval") {
  Tensor rm = input({3}, 40, false), rv = exp(input({3}, 41, false));
  auto f = [&](const Inputs& v) { return batch_norm(v[0], rm, rv, v[1], v[2], false, 0.1, 1e-5); };
  CHECK(gradcheck(f, {input({4, 3}, 42), input({3}, 43), input({3}, 44)}));
  CHECK(gradcheck(f, {input({2, 3, 5}, 45), input({3}, 46), input({3}, 47)}));
  CHECK(gradcheck([&](const Inputs& v) { return f({v[0].t(), v[1], v[2]}); }, {input({3, 4}, 51), input({3}, 52), input({3}, 53)}));
  CHECK(gradcheck(f, {input({1, 3}, 48), input({3}, 49), input({3}, 50)}));  // one value per channel is fine here
}
