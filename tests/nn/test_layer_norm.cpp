// nn::LayerNorm against torch.nn.LayerNorm (tests/nn/layer_norm_reference.h, made by
// make_layer_norm_reference.py): outputs and the gradients of x, weight and bias in float64 and float32,
// with one and two normalized dims, weight only, no affine, rows of large mean and small spread, and rows
// of one element; then PyTorch's repr and state_dict keys, the options, and the error messages.
#include <doctest/doctest.h>

#include "layer_norm_reference.h"
#include "muse/muse.h"
#include "muse/nn/layers.h"
#include "reference.h"

using namespace muse;
using namespace muse::nn;
namespace ref = layer_norm_reference;

namespace {

Tensor from(const std::vector<double>& v, const std::vector<int64_t>& shape, DType dtype) {
  return from_vector(v, Shape(shape), {.dtype = kFloat64}).to(dtype);
}

void check_case(const ref::Case& c, DType dtype, double tol) {
  LayerNorm ln(c.normalized_shape, {.eps = c.eps, .elementwise_affine = c.affine, .bias = c.bias});
  ln.to(dtype);
  {
    NoGradGuard no_grad;
    if (c.affine) ln.weight.copy_(from(c.weight, c.normalized_shape, dtype));
    if (c.bias) ln.bias.copy_(from(c.b, c.normalized_shape, dtype));
  }
  Tensor x = from(c.x, c.shape, dtype).requires_grad_();
  Tensor y = ln(x);
  CHECK(y.dtype() == dtype);
  check_close(y, c.y, tol);
  (y * from(c.grad_out, c.shape, dtype)).sum().backward();
  check_close(x.grad(), c.dx, tol);
  if (c.affine) check_close(ln.weight.grad(), c.dweight, tol);
  if (c.bias) check_close(ln.bias.grad(), c.dbias, tol);
}

}  // namespace

TEST_CASE("LayerNorm matches torch.nn.LayerNorm: values and gradients") {
  for (const ref::Case& c : ref::cases) {
    std::string name = c.name;
    CAPTURE(name);
    // Rows of mean 100 and spread 0.01 lose 4 digits in x - mean (in any order of summation), and dx
    // cancels about one more. In float32, storing x already moves it by up to 4e-6 (half an ulp at 100).
    bool ill = name.starts_with("large mean");
    check_case(c, kFloat64, ill ? 1e-9 : 1e-12);
    check_case(c, kFloat32, ill ? 1e-2 : 2e-5);
  }
}

TEST_CASE("LayerNorm: repr, state_dict keys and options as PyTorch's") {
  LayerNorm ln({4});
  CHECK(repr(ln) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)");
  std::vector<std::string> keys;
  for (const auto& [key, value] : ln.state_dict()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"weight", "bias"});
  check_close(ln.weight, {1, 1, 1, 1}, 1e-15);
  check_close(ln.bias, {0, 0, 0, 0}, 1e-15);

  LayerNorm no_bias({2, 3}, {.eps = 1e-3, .bias = false});
  CHECK(repr(no_bias) == "LayerNorm((2, 3), eps=0.001, elementwise_affine=True)");
  CHECK(no_bias.parameters().size() == 1);
  CHECK_FALSE(no_bias.bias.defined());
  LayerNorm plain({3}, {.elementwise_affine = false});
  CHECK(plain.parameters().empty());
  // Without affine parameters every row comes out with mean 0 and biased variance 1 (up to eps).
  Tensor y = plain(randn({5, 3}, {.dtype = kFloat64}));
  check_close(mean(y, {1}), std::vector<double>(5, 0.0), 1e-12);
}

TEST_CASE("LayerNorm: errors name the layer or the op, and the shapes") {
  CHECK_THROWS_WITH_AS(LayerNorm(std::vector<int64_t>{}), "LayerNorm: normalized_shape must name at least one dim",
                       Error);
  CHECK_THROWS_WITH_AS(LayerNorm({4, 0}), doctest::Contains("LayerNorm: normalized_shape (4, 0) must be positive"),
                       Error);
  CHECK_THROWS_WITH_AS(LayerNorm({4}, {.eps = -1}), doctest::Contains("LayerNorm: eps must be non-negative"), Error);
  LayerNorm ln({4});
  CHECK_THROWS_WITH_AS(ln(zeros({2, 5})),
                       doctest::Contains("layer_norm: normalized_shape (4,) does not match the last dims of x (2, 5)"),
                       Error);
  CHECK_THROWS_WITH_AS(ln(Tensor()),
                       doctest::Contains("LayerNorm((4,), eps=1e-05, elementwise_affine=True): got an undefined input"),
                       Error);
}
