// conv2d and conv_transpose2d (the im2col and col2im kernels with the GEMMs around them) on the GPU against
// the CPU, forward and backward, at awkward sizes: odd images and kernels, strides, padding, dilation,
// groups, depthwise, output_padding, batch 1, unbatched, non-contiguous inputs, and the dcgan layers.
#include <doctest/doctest.h>

#include "compare.h"

using namespace muse;
using namespace cudatest;

namespace {

struct Case {
  Shape x, w;
  Int2 stride, padding, dilation, output_padding;
  int64_t groups;
  bool bias;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {{1, 1, 1, 1}, {1, 1, 1, 1}, 1, 0, 1, 0, 1, true},       {{2, 3, 7, 9}, {5, 3, 3, 2}, 1, 0, 1, 0, 1, true},
      {{3, 4, 33, 17}, {6, 2, 3, 5}, {2, 3}, {1, 2}, {2, 1}, {1, 0}, 2, false},
      {{1, 7, 31, 29}, {7, 1, 3, 3}, 2, 1, 1, 1, 7, true},   {{5, 3, 65, 3}, {4, 3, 4, 1}, {3, 1}, {2, 0}, 1, {2, 0}, 1, true},
      {{64, 1, 32, 32}, {64, 1, 4, 4}, 2, 1, 1, 0, 1, true},  // dcgan D layer 1
      {{64, 128, 8, 8}, {256, 128, 4, 4}, 2, 1, 1, 0, 1, true},  // dcgan D layer 3
  };
  return c;
}

}  // namespace

TEST_CASE("cuda: conv2d forward and backward against the CPU") {
  for (const Case& c : cases()) {
    Tensor x = random(c.x, 1), w = random(c.w, 2), b = random({c.w[0]}, 3);
    check_op(str("conv2d ", c.x, " * ", c.w),
             [&](const auto& v) { return conv2d(v[0], v[1], c.bias ? v[2] : Tensor(), c.stride, c.padding, c.dilation, c.groups); },
             {x, w, b}, kMatmul);
  }
  check_op("conv2d unbatched, transposed input", [](const auto& v) { return conv2d(v[0].transpose(1, 2), v[1], v[2], 2, 1); },
           {random({3, 9, 11}, 4), random({2, 3, 3, 3}, 5), random({2}, 6)}, kMatmul);
  check_op("conv2d float64", [](const auto& v) { return conv2d(v[0], v[1], v[2], {2, 1}, 1, {1, 2}, 2); },
           {random({3, 4, 13, 11}, 7, kFloat64), random({6, 2, 3, 3}, 8, kFloat64), random({6}, 9, kFloat64)},
           {1e-12, 1e-12, true});
}

TEST_CASE("cuda: conv_transpose2d forward and backward against the CPU") {
  for (const Case& c : cases()) {
    // The transposed layer with the same weight maps conv2d's output shape back to its input's.
    Shape xt = {c.x[0], c.w[0], 3 + c.x[2] % 5, 2 + c.x[3] % 7};
    Shape wt = {c.w[0], c.w[1], c.w[2], c.w[3]};
    Int2 op{std::min(c.output_padding.h, std::max(c.stride.h, c.dilation.h) - 1),
            std::min(c.output_padding.w, std::max(c.stride.w, c.dilation.w) - 1)};
    Tensor x = random(xt, 11), w = random(wt, 12), b = random({c.w[1] * c.groups}, 13);
    check_op(str("conv_transpose2d ", xt, " * ", wt),
             [&](const auto& v) {
               return conv_transpose2d(v[0], v[1], c.bias ? v[2] : Tensor(), c.stride, c.padding, op, c.groups, c.dilation);
             },
             {x, w, b}, kMatmul);
  }
  // The dcgan generator's first and last layers.
  check_op("conv_transpose2d dcgan G1", [](const auto& v) { return conv_transpose2d(v[0], v[1], v[2]); },
           {random({64, 100, 1, 1}, 14), random({100, 256, 4, 4}, 15), random({256}, 16)}, kMatmul);
  check_op("conv_transpose2d dcgan G4", [](const auto& v) { return conv_transpose2d(v[0], v[1], v[2], 2, 1); },
           {random({64, 64, 16, 16}, 17), random({64, 1, 4, 4}, 18), random({1}, 19)}, kMatmul);
  check_op("conv_transpose2d float64, unbatched", [](const auto& v) { return conv_transpose2d(v[0], v[1], v[2], 3, 1, 2); },
           {random({4, 5, 6}, 20, kFloat64), random({4, 3, 4, 3}, 21, kFloat64), random({3}, 22, kFloat64)},
           {1e-12, 1e-12, true});
}

TEST_CASE("cuda: conv2d and conv_transpose2d name the devices when operands are on different ones") {
  Tensor x = zeros({1, 2, 5, 5}), w = zeros({3, 2, 3, 3}).to(kCUDA);
  CHECK_THROWS_WITH_AS(conv2d(x, w), doctest::Contains("conv2d: tensors are on different devices"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x.to(kCUDA), w, zeros({3})), doctest::Contains("conv2d: tensors are on different devices"),
                       Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, zeros({2, 3, 3, 3}).to(kCUDA)),
                       doctest::Contains("conv_transpose2d: tensors are on different devices"), Error);
}
