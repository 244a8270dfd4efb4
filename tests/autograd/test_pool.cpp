// Pooling, upsampling and padding against PyTorch 1.13 (tests/autograd/pool_reference.h, made by
// make_pool_reference.py): every case's output, max-pool indices and input gradient, in float64 and in
// float32; max pooling's NaN and tie rules; and every error message.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "muse/muse.h"
#include "pool_reference.h"
#include "reference.h"

using namespace muse;

namespace {

using Op = std::function<ValuesIndices(const Tensor&)>;

Op plain(std::function<Tensor(const Tensor&)> f) {
  return [f](const Tensor& x) { return ValuesIndices{f(x), Tensor()}; };
}

// The calls of make_pool_reference.py, by case name.
const std::map<std::string, Op>& ops() {
  static const std::map<std::string, Op> m = {
      {"max_k3_s2_p1", [](const Tensor& x) { return max_pool2d_with_indices(x, 3, 2, 1); }},
      {"max_k32_s21_p10_d21", [](const Tensor& x) { return max_pool2d_with_indices(x, {3, 2}, Int2{2, 1}, {1, 0}, {2, 1}); }},
      {"max_k3_s2_p1_ceil", [](const Tensor& x) { return max_pool2d_with_indices(x, 3, 2, 1, 1, true); }},
      {"max_3d_k2", [](const Tensor& x) { return max_pool2d_with_indices(x, 2); }},
      {"max_k23_s32_p1_d2_ceil", [](const Tensor& x) { return max_pool2d_with_indices(x, {2, 3}, Int2{3, 2}, 1, 2, true); }},
      {"max_ties", [](const Tensor& x) { return max_pool2d_with_indices(x, 3, 1); }},
      {"max_k4_s1_p2", [](const Tensor& x) { return max_pool2d_with_indices(x, 4, 1, 2); }},
      {"avg_k3_s2_p1", plain([](const Tensor& x) { return avg_pool2d(x, 3, 2, 1); })},
      {"avg_k3_s2_p1_nopad", plain([](const Tensor& x) { return avg_pool2d(x, 3, 2, 1, false, false); })},
      {"avg_k32_s23_p1_ceil", plain([](const Tensor& x) { return avg_pool2d(x, {3, 2}, Int2{2, 3}, 1, true); })},
      {"avg_k32_s23_p1_ceil_nopad",
       plain([](const Tensor& x) { return avg_pool2d(x, {3, 2}, Int2{2, 3}, 1, true, false); })},
      {"avg_k3_s2_p1_ceil_div5", plain([](const Tensor& x) { return avg_pool2d(x, 3, 2, 1, true, true, 5); })},
      {"avg_3d_k2", plain([](const Tensor& x) { return avg_pool2d(x, 2); })},
      {"avg_k4_s3_p2_ceil_nopad", plain([](const Tensor& x) { return avg_pool2d(x, 4, 3, 2, true, false); })},
      {"adaptive_34", plain([](const Tensor& x) { return adaptive_avg_pool2d(x, {3, 4}); })},
      {"adaptive_73", plain([](const Tensor& x) { return adaptive_avg_pool2d(x, {7, 3}); })},
      {"adaptive_3d_11", plain([](const Tensor& x) { return adaptive_avg_pool2d(x, 1); })},
      {"nearest_7_10", plain([](const Tensor& x) { return upsample_nearest2d(x, {7, 10}); })},
      {"nearest_10_14", plain([](const Tensor& x) { return upsample_nearest2d(x, {10, 14}); })},
      {"nearest_3_4", plain([](const Tensor& x) { return upsample_nearest2d(x, {3, 4}); })},
      {"nearest_scale_1.7", plain([](const Tensor& x) { return upsample_nearest2d_scale(x, 1.7); })},
      {"nearest_scale_2_0.5", plain([](const Tensor& x) { return upsample_nearest2d_scale(x, {2.0, 0.5}); })},
      {"bilinear_7_10", plain([](const Tensor& x) { return upsample_bilinear2d(x, {7, 10}); })},
      {"bilinear_7_10_align", plain([](const Tensor& x) { return upsample_bilinear2d(x, {7, 10}, true); })},
      {"bilinear_3_4", plain([](const Tensor& x) { return upsample_bilinear2d(x, {3, 4}); })},
      {"bilinear_scale_1.7", plain([](const Tensor& x) { return upsample_bilinear2d_scale(x, 1.7); })},
      {"bilinear_scale_2.5_align", plain([](const Tensor& x) { return upsample_bilinear2d_scale(x, 2.5, true); })},
      {"bilinear_1_1_align", plain([](const Tensor& x) { return upsample_bilinear2d(x, {1, 1}, true); })},
      {"bilinear_5_9", plain([](const Tensor& x) { return upsample_bilinear2d(x, {5, 9}); })},
      {"pad_constant", plain([](const Tensor& x) { return pad(x, {1, 2, 3, 0}, PadMode::Constant, 0.5); })},
      {"pad_constant_negative", plain([](const Tensor& x) { return pad(x, {-1, 2, 0, -2}); })},
      {"pad_constant_3dims", plain([](const Tensor& x) { return pad(x, {1, 1, 0, 1, 2, 0}, PadMode::Constant, -1); })},
      {"pad_reflect", plain([](const Tensor& x) { return pad(x, {2, 3, 1, 3}, PadMode::Reflect); })},
      {"pad_reflect_1d_negative", plain([](const Tensor& x) { return pad(x, {-1, 2}, PadMode::Reflect); })},
      {"pad_replicate", plain([](const Tensor& x) { return pad(x, {3, 1, 0, 4}, PadMode::Replicate); })},
      {"pad_replicate_3d", plain([](const Tensor& x) { return pad(x, {1, 0, 2, 1, 1, 1}, PadMode::Replicate); })},
  };
  return m;
}

void run_case(const pool_reference::Case& c, DType dtype, double tol) {
  CAPTURE(c.name);
  CAPTURE(dtype);
  Shape shape(c.shape), y_shape(c.y_shape);
  Tensor x = from_vector(c.x, shape, {.dtype = kFloat64}).to(dtype).requires_grad_();
  ValuesIndices out = ops().at(c.name)(x);
  REQUIRE(out.values.shape() == y_shape);
  CHECK(out.values.dtype() == dtype);
  check_close(out.values, c.y, tol);
  if (!c.indices.empty()) CHECK(equal(out.indices, from_vector(c.indices, y_shape, {.dtype = kInt64})));
  (out.values * from_vector(c.grad_out, y_shape, {.dtype = kFloat64}).to(dtype)).sum().backward();
  check_close(x.grad(), c.dx, tol);
}

}  // namespace

TEST_CASE("pooling, upsampling and padding match PyTorch in float64 and float32") {
  for (const pool_reference::Case& c : pool_reference::cases) {
    run_case(c, kFloat64, 1e-12);
    run_case(c, kFloat32, 1e-5);
  }
}

TEST_CASE("max_pool2d: a NaN wins (the last of several), ties keep the first, and padding never wins") {
  Tensor x = tensor({1, NAN, 3, NAN}).reshape({1, 1, 1, 4});
  ValuesIndices r = max_pool2d_with_indices(x, {1, 4});
  CHECK(std::isnan(r.values.item()));
  CHECK(r.indices.item() == 3);
  Tensor t = tensor({2, 2, 1, 2}, {.dtype = kFloat64, .requires_grad = true});
  ValuesIndices s = max_pool2d_with_indices(t.reshape({1, 1, 1, 4}), {1, 4});
  CHECK(s.indices.item() == 0);
  s.values.sum().backward();
  CHECK(equal(t.grad(), tensor({1, 0, 0, 0}, {.dtype = kFloat64})));
  // All-negative input with padding: the maximum comes from the input, not from a padded zero.
  Tensor neg = -ones({1, 1, 2, 2}) - arange(4).reshape({1, 1, 2, 2});
  CHECK(equal(max_pool2d(neg, 2, 1, 1), tensor({{-1, -1, -2}, {-1, -1, -2}, {-3, -3, -4}}).reshape({1, 1, 3, 3})));
  // An empty batch gives an empty output.
  CHECK(max_pool2d(zeros({0, 2, 4, 4}), 2).shape() == Shape{0, 2, 2, 2});
  CHECK(avg_pool2d(zeros({0, 2, 4, 4}), 2).shape() == Shape{0, 2, 2, 2});
}

TEST_CASE("pooling, upsampling and padding: errors name the op and the shapes") {
  using doctest::Contains;
  Tensor x = zeros({1, 1, 4, 4});
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({4, 4}), 2),
                       "max_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape (4, 4)", Error);
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 0, 4, 4}), 2),
                       "max_pool2d: expected non-empty C, H and W, got input of shape (1, 0, 4, 4)", Error);
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 4, 4}, {.dtype = kInt64}), 2), Contains("max_pool2d"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 3, 1, 2),
                       "max_pool2d: padding must be non-negative and at most half the kernel size, got padding (2, 2) "
                       "for kernel_size (3, 3)",
                       Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 5),
                       "max_pool2d: input of shape (1, 1, 4, 4) gives an output of size (0, 0), which is too small "
                       "(kernel_size (5, 5), stride (5, 5), padding (0, 0), dilation (1, 1))",
                       Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, {0, 2}), "max_pool2d: kernel_size must be positive, got (0, 2)", Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 2, Int2{1, 0}), "max_pool2d: stride must be positive, got (1, 0)", Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 2, {}, 0, 0), "max_pool2d: dilation must be positive, got (0, 0)", Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, 3, 1, 2), Contains("avg_pool2d: padding must be non-negative"), Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, 2, {}, 0, false, true, 0), "avg_pool2d: divisor_override must not be zero",
                       Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({2, 3, 4, 4, 4}), 2), Contains("got shape (2, 3, 4, 4, 4)"), Error);
  CHECK_THROWS_WITH_AS(adaptive_avg_pool2d(x, {0, 2}),
                       "adaptive_avg_pool2d: output_size must be positive, got (0, 2) for input of shape (1, 1, 4, 4)",
                       Error);
  CHECK_THROWS_WITH_AS(upsample_nearest2d(zeros({1, 4, 4}), {8, 8}),
                       "upsample_nearest2d: expected a 4-D (N, C, H, W) input, got shape (1, 4, 4)", Error);
  CHECK_THROWS_WITH_AS(upsample_bilinear2d(x, {0, 3}),
                       "upsample_bilinear2d: output size must be positive, got (0, 3) for input of shape (1, 1, 4, 4)",
                       Error);
  CHECK_THROWS_WITH_AS(upsample_nearest2d_scale(x, 0.1),
                       "upsample_nearest2d: output size must be positive, got (0, 0) for input of shape (1, 1, 4, 4)",
                       Error);
  CHECK_THROWS_WITH_AS(upsample_bilinear2d_scale(x, -1), "upsample_bilinear2d: scale_factor must be positive, got (-1, -1)",
                       Error);
  CHECK_THROWS_WITH_AS(upsample_bilinear2d(zeros({1, 1, 4, 4}, {.dtype = kInt64}), {8, 8}),
                       Contains("upsample_bilinear2d"), Error);
  CHECK_THROWS_WITH_AS(pad(x, {1, 2, 3}), "pad: the padding must have an even length, got 3 values", Error);
  CHECK_THROWS_WITH_AS(pad(zeros({2, 3}), {1, 1, 1, 1, 1, 1}),
                       "pad: 6 padding values pad 3 dims, but the input of shape (2, 3) has only 2", Error);
  CHECK_THROWS_WITH_AS(pad(zeros({2, 3}), {-3, -1}),
                       "pad: padding (-3, -1) of dim 1 would make a negative size from 3 (input of shape (2, 3))", Error);
  CHECK_THROWS_WITH_AS(pad(x, {4, 4, 0, 0}, PadMode::Reflect),
                       "pad: reflect padding (4, 4) of dim 3 must be less than its size 4 (input of shape (1, 1, 4, 4))",
                       Error);
  CHECK_THROWS_WITH_AS(pad(x, {1, 1}, PadMode::Replicate),
                       Contains("pad: replicate padding pads the last dim of a 2-D or 3-D input, the last 2 of a 3-D or "
                                "4-D input, or the last 3 of a 4-D or 5-D input; got 2 padding values for input of "
                                "shape (1, 1, 4, 4)"),
                       Error);
  CHECK_THROWS_WITH_AS(pad(zeros({2, 0}), {1, 1}, PadMode::Replicate),
                       "pad: replicate padding (1, 1) of dim 1 needs a non-empty input and output, got input of shape "
                       "(2, 0)",
                       Error);
}
