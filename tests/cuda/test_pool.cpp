// Pooling on the GPU against the CPU: max_pool2d's values, indices and gradients (the backward is
// scatter_add at the indices) at awkward sizes, strides, padding, dilation and ceil_mode, NaN windows;
// and the composed ops (average pooling, upsampling, padding) forward and backward.
#include <doctest/doctest.h>

#include <cmath>

#include "compare.h"

using namespace muse;
using namespace cudatest;

namespace {

struct PoolCase {
  Shape shape;
  Int2 kernel;
  std::optional<Int2> stride;
  Int2 padding, dilation;
  bool ceil_mode;
};

const std::vector<PoolCase>& pool_cases() {
  static const std::vector<PoolCase> c = {
      {{1, 1, 1, 1}, 1, {}, 0, 1, false},          {{2, 3, 7, 9}, 3, Int2{2}, 1, 1, false},
      {{1, 7, 33, 65}, {3, 2}, Int2{2, 1}, {1, 0}, {2, 1}, true},
      {{3, 5, 31, 17}, {2, 3}, Int2{3, 2}, 1, 2, true}, {{5, 1023, 17}, 4, Int2{1}, 2, 1, false},
      {{2, 64, 67, 67}, 2, {}, 0, 1, true},         {{1, 1, 257, 129}, 5, Int2{3}, 2, 1, true},
  };
  return c;
}

}  // namespace

TEST_CASE("cuda: max_pool2d values, indices and gradients") {
  for (const PoolCase& c : pool_cases()) {
    std::string label = str("max_pool2d of ", c.shape, " kernel (", c.kernel.h, ", ", c.kernel.w, ")");
    auto values = [&](const std::vector<Tensor>& v) {
      return max_pool2d(v[0], c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
    };
    auto indices = [&](const std::vector<Tensor>& v) {
      return max_pool2d_with_indices(v[0], c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode).indices;
    };
    Tensor x = random(c.shape, c.shape.numel());
    check_op(label, values, {x}, kElementwise);
    check_op(label + " indices", indices, {x}, kExact, false);
    check_op(label + " float64", values, {random(c.shape, 3, kFloat64)}, {1e-12, 1e-14});
  }
  // NaN wins, the last of several; a plane of ties keeps the first.
  Tensor nan = tensor({1, NAN, 3, NAN, 2, 2, 2, 2}).reshape({1, 2, 1, 4});
  check_op("max_pool2d NaN", [](const auto& v) { return max_pool2d_with_indices(v[0], {1, 4}).indices; }, {nan}, kExact,
           false);
  check_op("max_pool2d NaN values", [](const auto& v) { return max_pool2d(v[0], {1, 2}); }, {nan}, kExact, false);
  Tensor x = random({2, 3, 37, 29}, 9);
  check_op("max_pool2d of a transposed input", [](const auto& v) { return max_pool2d(v[0].transpose(2, 3), 3, 2, 1); },
           {x}, kElementwise);
}

TEST_CASE("cuda: average pooling, upsampling and padding") {
  Tensor x = random({2, 5, 33, 31}, 11);
  check_op("avg_pool2d", [](const auto& v) { return avg_pool2d(v[0], 3, 2, 1, true, false); }, {x}, kMatmul);
  check_op("adaptive_avg_pool2d", [](const auto& v) { return adaptive_avg_pool2d(v[0], {7, 5}); }, {x}, kMatmul);
  check_op("upsample_nearest2d", [](const auto& v) { return upsample_nearest2d(v[0], {65, 47}); }, {x}, kElementwise);
  check_op("upsample_bilinear2d", [](const auto& v) { return upsample_bilinear2d_scale(v[0], 1.7, true); }, {x}, kMatmul);
  check_op("pad reflect", [](const auto& v) { return pad(v[0], {3, 1, 0, 5}, PadMode::Reflect); }, {x}, kElementwise);
  check_op("pad constant", [](const auto& v) { return pad(v[0], {-2, 3, 1, 0}, PadMode::Constant, 0.5); }, {x},
           kElementwise);
}
