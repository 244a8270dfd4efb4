// conv2d and conv_transpose2d against PyTorch 1.13 (conv_reference.h, made by make_conv_reference.py):
// outputs and the gradients of sum(y * grad_out) for strides, padding, dilation, groups, depthwise and
// output_padding, in float64 and float32; unbatched inputs; and every error a user can hit.
#include <doctest/doctest.h>

#include <vector>

#include "conv_reference.h"
#include "muse/ops.h"

using namespace muse;
namespace ref = conv_reference;

namespace {

Tensor make(const std::vector<double>& v, const std::vector<int64_t>& shape, DType dtype, bool grad = true) {
  Shape s;
  for (int64_t d : shape) s.push_back(d);
  return from_vector(v, s, {.dtype = dtype, .requires_grad = grad});
}

void check_close(const Tensor& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.defined());
  REQUIRE(got.numel() == static_cast<int64_t>(want.size()));
  std::vector<double> g = got.to(kFloat64).contiguous().to_vector<double>();
  for (size_t i = 0; i < want.size(); ++i) REQUIRE(g[i] == doctest::Approx(want[i]).epsilon(tol).scale(1));
}

Tensor run(const ref::Case& c, const Tensor& x, const Tensor& w, const Tensor& b) {
  Int2 s{c.stride[0], c.stride[1]}, p{c.padding[0], c.padding[1]}, d{c.dilation[0], c.dilation[1]};
  if (c.transposed) return conv_transpose2d(x, w, b, s, p, {c.output_padding[0], c.output_padding[1]}, c.groups, d);
  return conv2d(x, w, b, s, p, d, c.groups);
}

void check_case(const ref::Case& c, DType dtype, double tol) {
  Tensor x = make(c.x, c.x_shape, dtype), w = make(c.w, c.w_shape, dtype);
  Tensor b = c.has_bias ? make(c.b, {static_cast<int64_t>(c.b.size())}, dtype) : Tensor();
  Tensor y = run(c, x, w, b);
  CHECK(y.shape() == make(c.y, c.y_shape, dtype, false).shape());
  check_close(y, c.y, tol);
  sum(mul(y, make(c.grad_out, c.y_shape, dtype, false))).backward();
  check_close(x.grad(), c.dx, tol);
  check_close(w.grad(), c.dw, tol);
  if (c.has_bias) check_close(b.grad(), c.db, tol);
}

}  // namespace

TEST_CASE("conv2d and conv_transpose2d match PyTorch, float64 and float32") {
  for (size_t i = 0; i < std::size(ref::kCases); ++i) {
    CAPTURE(ref::kNames[i]);
    check_case(*ref::kCases[i], kFloat64, 1e-12);
    check_case(*ref::kCases[i], kFloat32, 2e-5);
  }
}

TEST_CASE("conv2d and conv_transpose2d: an unbatched (C, H, W) input is a batch of one") {
  Generator g(1);
  Tensor x = randn({3, 6, 5}, {.dtype = kFloat64}, g), w = randn({4, 3, 3, 3}, {.dtype = kFloat64}, g);
  Tensor y = conv2d(x, w, {}, 2, 1);
  CHECK(y.shape() == Shape{4, 3, 3});
  CHECK(allclose(y, conv2d(x.unsqueeze(0), w, {}, 2, 1).squeeze(0)));
  Tensor wt = randn({3, 2, 3, 3}, {.dtype = kFloat64}, g);
  Tensor yt = conv_transpose2d(x, wt, {}, 2, 1, 1);
  CHECK(yt.shape() == Shape{2, 12, 10});
  CHECK(allclose(yt, conv_transpose2d(x.unsqueeze(0), wt, {}, 2, 1, 1).squeeze(0)));
}

TEST_CASE("conv2d and conv_transpose2d: an empty batch gives an empty output and zero weight gradients") {
  Tensor x = zeros({0, 2, 5, 5}, {.requires_grad = true}), w = ones({3, 2, 3, 3}, {.requires_grad = true});
  Tensor b = ones({3}, {.requires_grad = true});
  Tensor y = conv2d(x, w, b);
  CHECK(y.shape() == Shape{0, 3, 3, 3});
  y.sum().backward();
  CHECK(x.grad().shape() == x.shape());
  CHECK(w.grad().abs().max().item() == 0);
  CHECK(b.grad().abs().max().item() == 0);
  Tensor wt = ones({2, 3, 3, 3}, {.requires_grad = true});
  Tensor yt = conv_transpose2d(x, wt, b, 2);
  CHECK(yt.shape() == Shape{0, 3, 11, 11});
  yt.sum().backward();
  CHECK(wt.grad().abs().max().item() == 0);
}

TEST_CASE("conv2d: errors name the op and the shapes") {
  Tensor x = zeros({8, 3, 28, 28}), w = zeros({64, 1, 4, 4});
  using doctest::Contains;
  CHECK_THROWS_WITH_AS(conv2d(x, w), Contains("conv2d: input (8, 3, 28, 28) has 3 channels but weight (64, 1, 4, 4) expects 1 (groups 1)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({3, 28}), w), Contains("conv2d: input must be (N, C, H, W) or (C, H, W), got shape (3, 28)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({64, 3, 4})), Contains("conv2d: weight must be (out_channels, in_channels / groups, kH, kW), got shape (64, 3, 4)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3}), {}, 1, 0, 1, 2), Contains("conv2d: groups 2 must divide the output channels, 3, of weight (3, 2, 3, 3)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 3, 3, 3}), {}, 1, 0, 1, 0), Contains("conv2d: groups must be positive, got 0"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 3, 3, 3}), {}, {0, 1}), Contains("conv2d: stride must be positive, got (0, 1)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 3, 3, 3}), {}, 1, 0, {1, -1}), Contains("conv2d: dilation must be positive, got (1, -1)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 3, 3, 3}), {}, 1, {-1, 0}), Contains("conv2d: padding must be non-negative, got (-1, 0)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({1, 3, 2, 9}), zeros({4, 3, 3, 3})), Contains("conv2d: output size (0, 7) is too small: input (1, 3, 2, 9), kernel (3, 3), stride (1, 1), padding (0, 0), dilation (1, 1)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 3, 3, 3}), zeros({5})), Contains("conv2d: bias must have shape (4,) to match weight (4, 3, 3, 3), got (5,)"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 3, 3, 3}, {.dtype = kFloat64})), Contains("conv2d: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 3, 3, 3}), zeros({4}, {.dtype = kFloat64})), Contains("conv2d: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({1, 3, 5, 5}, {.dtype = kInt64}), zeros({4, 3, 3, 3}, {.dtype = kInt64})), Contains("conv2d: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor()), Contains("conv2d: got an undefined tensor"), Error);
}

TEST_CASE("conv_transpose2d: errors name the op and the shapes") {
  Tensor x = zeros({8, 100, 1, 1}), w = zeros({100, 256, 4, 4});
  using doctest::Contains;
  CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({8, 99, 1, 1}), w), Contains("conv_transpose2d: input (8, 99, 1, 1) has 99 channels but weight (100, 256, 4, 4) expects 100 (groups 1)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({100}), w), Contains("conv_transpose2d: input must be (N, C, H, W) or (C, H, W), got shape (100,)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, zeros({100, 256})), Contains("conv_transpose2d: weight must be (in_channels, out_channels / groups, kH, kW), got shape (100, 256)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, {}, 1, 0, 0, 3), Contains("conv_transpose2d: groups 3 must divide the input channels, 100, of weight (100, 256, 4, 4)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, {}, 2, 0, 2), Contains("conv_transpose2d: output_padding (2, 2) must be non-negative and smaller than stride (2, 2) or dilation (1, 1)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, {}, 2, 0, {0, -1}), Contains("conv_transpose2d: output_padding (0, -1)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, {}, {1, 0}), Contains("conv_transpose2d: stride must be positive, got (1, 0)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, {}, 1, 0, 0, 1, 0), Contains("conv_transpose2d: dilation must be positive, got (0, 0)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, {}, 1, -2), Contains("conv_transpose2d: padding must be non-negative, got (-2, -2)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, {}, 1, 2), Contains("conv_transpose2d: output size (0, 0) is too small: input (8, 100, 1, 1), kernel (4, 4)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, zeros({100})), Contains("conv_transpose2d: bias must have shape (256,) to match weight (100, 256, 4, 4), got (100,)"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x.to(kFloat64), w), Contains("conv_transpose2d: dtype mismatch"), Error);
}
