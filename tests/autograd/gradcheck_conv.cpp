// Finite-difference gradchecks of conv2d and conv_transpose2d: odd sizes and strides, padding, dilation,
// rectangular kernels, groups 2 and depthwise, batch 1 and unbatched inputs, no bias, transposed and sliced
// (non-contiguous) inputs and weights, and only some inputs requiring grad.
#include <doctest/doctest.h>

#include <vector>

#include "gradcheck_inputs.h"
#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;
using muse::testing::input;
using muse::testing::Inputs;

TEST_CASE("gradcheck conv2d") {
  auto plain = [](const Inputs& v) { return conv2d(v[0], v[1], v[2]); };
  CHECK(gradcheck(plain, {input({2, 3, 5, 4}, 1), input({2, 3, 3, 2}, 2), input({2}, 3)}));
  // Odd strides, padding, dilation and a rectangular kernel.
  CHECK(gradcheck([](const Inputs& v) { return conv2d(v[0], v[1], v[2], {2, 3}, {1, 2}, {2, 1}); },
                  {input({2, 2, 7, 8}, 4), input({3, 2, 2, 3}, 5), input({3}, 6)}));
  // Groups 2 (no bias) and depthwise, batch 1.
  CHECK(gradcheck([](const Inputs& v) { return conv2d(v[0], v[1], {}, 1, 1, 1, 2); },
                  {input({1, 4, 4, 5}, 7), input({6, 2, 3, 3}, 8)}));
  CHECK(gradcheck([](const Inputs& v) { return conv2d(v[0], v[1], v[2], 2, {0, 1}, 1, 3); },
                  {input({2, 3, 5, 5}, 9), input({3, 1, 3, 2}, 10), input({3}, 11)}));
  // Unbatched input; a kernel as large as the padded image (1 x 1 output).
  CHECK(gradcheck(plain, {input({2, 4, 3}, 12), input({3, 2, 2, 2}, 13), input({3}, 14)}));
  CHECK(gradcheck([](const Inputs& v) { return conv2d(v[0], v[1], v[2], 1, 1); },
                  {input({2, 2, 2, 3}, 15), input({2, 2, 4, 5}, 16), input({2}, 17)}));
  // Dense: the kernel covers the unpadded image (1 x 1 output), batched and unbatched.
  CHECK(gradcheck(plain, {input({3, 2, 3, 4}, 63), input({4, 2, 3, 4}, 64), input({4}, 65)}));
  CHECK(gradcheck([](const Inputs& v) { return conv2d(v[0], v[1], {}, 2); }, {input({2, 3, 2}, 66), input({3, 2, 3, 2}, 67)}));
  // Non-contiguous input (transposed H and W, and sliced channels) and weight (transposed out/in).
  CHECK(gradcheck([](const Inputs& v) { return conv2d(v[0].transpose(2, 3), v[1].transpose(0, 1), v[2], {1, 2}, 1); },
                  {input({2, 2, 5, 4}, 18), input({2, 3, 3, 3}, 19), input({3}, 20)}));
  CHECK(gradcheck([](const Inputs& v) { return conv2d(v[0].slice(1, 1, std::nullopt, 2), v[1], v[2]); },
                  {input({2, 5, 4, 4}, 21), input({2, 2, 3, 3}, 22), input({2}, 23)}));
  // Only some inputs require grad.
  CHECK(gradcheck(plain, {input({2, 3, 4, 4}, 24, false), input({2, 3, 3, 3}, 25), input({2}, 26)}));
  CHECK(gradcheck(plain, {input({2, 3, 4, 4}, 27), input({2, 3, 3, 3}, 28, false), input({2}, 29, false)}));
}

TEST_CASE("gradcheck conv_transpose2d") {
  auto plain = [](const Inputs& v) { return conv_transpose2d(v[0], v[1], v[2]); };
  CHECK(gradcheck(plain, {input({2, 3, 3, 4}, 31), input({3, 2, 3, 2}, 32), input({2}, 33)}));
  // Stride with output_padding, padding, dilation, a rectangular kernel.
  CHECK(gradcheck([](const Inputs& v) { return conv_transpose2d(v[0], v[1], v[2], {2, 3}, {1, 0}, {1, 2}, 1, {1, 2}); },
                  {input({2, 2, 3, 3}, 34), input({2, 3, 3, 2}, 35), input({3}, 36)}));
  // output_padding allowed by dilation rather than stride.
  CHECK(gradcheck([](const Inputs& v) { return conv_transpose2d(v[0], v[1], v[2], 1, 1, 1, 1, 2); },
                  {input({1, 2, 3, 3}, 37), input({2, 2, 2, 2}, 38), input({2}, 39)}));
  // Groups 2 (no bias), depthwise, unbatched.
  CHECK(gradcheck([](const Inputs& v) { return conv_transpose2d(v[0], v[1], {}, 2, 1, 0, 2); },
                  {input({1, 4, 3, 2}, 40), input({4, 3, 3, 3}, 41)}));
  CHECK(gradcheck([](const Inputs& v) { return conv_transpose2d(v[0], v[1], v[2], 2, 0, 1, 3); },
                  {input({2, 3, 2, 3}, 42), input({3, 1, 2, 3}, 43), input({3}, 44)}));
  CHECK(gradcheck(plain, {input({3, 2, 3}, 45), input({3, 2, 2, 2}, 46), input({2}, 47)}));
  // The DCGAN generator's first layer in small (dense: a 1 x 1 input to a 4 x 4 output), and unbatched.
  CHECK(gradcheck(plain, {input({3, 5, 1, 1}, 48), input({5, 2, 4, 4}, 49), input({2}, 50)}));
  CHECK(gradcheck(plain, {input({5, 1, 1}, 68), input({5, 2, 3, 2}, 69), input({2}, 70)}));
  // Non-contiguous input and weight.
  CHECK(gradcheck([](const Inputs& v) { return conv_transpose2d(v[0].transpose(2, 3), v[1].transpose(2, 3), v[2], 2, 1); },
                  {input({2, 3, 4, 3}, 51), input({3, 2, 3, 4}, 52), input({2}, 53)}));
  CHECK(gradcheck([](const Inputs& v) { return conv_transpose2d(v[0].slice(2, 0, std::nullopt, 2), v[1], v[2]); },
                  {input({2, 2, 5, 3}, 54), input({2, 2, 2, 2}, 55), input({2}, 56)}));
  // Only some inputs require grad.
  CHECK(gradcheck(plain, {input({2, 3, 3, 3}, 57, false), input({3, 2, 2, 2}, 58), input({2}, 59)}));
  CHECK(gradcheck(plain, {input({2, 3, 3, 3}, 60), input({3, 2, 2, 2}, 61, false), input({2}, 62, false)}));
}
