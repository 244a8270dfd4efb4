// BatchNorm1d, BatchNorm2d and F::batch_norm against PyTorch 1.13 (tests/nn/batchnorm_reference.h, made by
// make_batchnorm_reference.py): outputs, running statistics and num_batches_tracked over three training
// steps, then eval, for (N, C) with momentum 0.1, (N, C, L) with the cumulative average and BatchNorm2d on
// (N, C, H, W) with momentum 0.2; gradients of
// the first step; float32 against the same values; the option variants; and the error messages.
#include <doctest/doctest.h>

#include "batchnorm_reference.h"
#include "reference.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/nn/layers.h"

using namespace muse;
using namespace muse::nn;
namespace F = muse::nn::functional;
namespace ref = batchnorm_reference;

namespace {

const TensorOptions f64{.dtype = kFloat64};

// Runs a reference case: three training steps (the first also backward), then eval.
template <class BatchNormNd = BatchNorm1d>
void check_case(const ref::Case& c, const Shape& shape, std::optional<double> momentum, double eps, DType dtype,
                double tol) {
  BatchNormNd bn(shape[1], {.eps = eps, .momentum = momentum});
  bn.to(dtype);
  {
    NoGradGuard no_grad;
    bn.weight.copy_(from_vector(c.weight, {shape[1]}, f64));
    bn.bias.copy_(from_vector(c.bias, {shape[1]}, f64));
  }
  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    Tensor x = from_vector(c.x[step], shape, f64).to(dtype).requires_grad_();
    Tensor y = bn(x);
    check_close(y, c.y[step], tol);
    check_close(bn.running_mean, c.running_mean[step], tol);
    check_close(bn.running_var, c.running_var[step], tol);
    CHECK(bn.num_batches_tracked.item() == step + 1);
    if (step > 0) continue;
    (y * from_vector(c.grad_out, shape, f64).to(dtype)).sum().backward();
    check_close(x.grad(), c.dx, tol);
    check_close(bn.weight.grad(), c.dweight, tol);
    check_close(bn.bias.grad(), c.dbias, tol);
  }
  bn.eval();
  check_close(bn(from_vector(c.x_eval, shape, f64).to(dtype)), c.y_eval, tol);
  CHECK(bn.num_batches_tracked.item() == 3);  // eval counts no batches
}

}  // namespace

TEST_CASE("BatchNorm1d (N, C), momentum 0.1: three training steps and eval match PyTorch") {
  check_case(ref::bn2d, {4, 3}, 0.1, 1e-5, kFloat64, 1e-12);
  check_case(ref::bn2d, {4, 3}, 0.1, 1e-5, kFloat32, 1e-5);
}

TEST_CASE("BatchNorm1d (N, C, L), cumulative average: three training steps and eval match PyTorch") {
  check_case(ref::bn3d, {3, 2, 4}, std::nullopt, 1e-3, kFloat64, 1e-12);
  check_case(ref::bn3d, {3, 2, 4}, std::nullopt, 1e-3, kFloat32, 1e-5);
}

TEST_CASE("BatchNorm2d (N, C, H, W), momentum 0.2: three training steps and eval match PyTorch") {
  check_case<BatchNorm2d>(ref::bn4d, {2, 3, 3, 2}, 0.2, 1e-5, kFloat64, 1e-12);
  check_case<BatchNorm2d>(ref::bn4d, {2, 3, 3, 2}, 0.2, 1e-5, kFloat32, 1e-5);
}

TEST_CASE("BatchNorm2d: repr, state_dict keys as PyTorch's, and errors name the layer and the shape") {
  BatchNorm2d bn(3);
  std::string name = "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)";
  CHECK(repr(bn) == name);
  std::vector<std::string> keys;
  for (const auto& [key, value] : bn.state_dict()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  CHECK_THROWS_WITH_AS(bn(zeros({2, 3, 4})), (name + ": expected 4D input (got 3D input of shape [2, 3, 4])").c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(bn(zeros({2, 4, 2, 2})), (name + ": expected input with 3 channels (dim 1), got [2, 4, 2, 2]").c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(bn(zeros({1, 3, 1, 1})), doctest::Contains("got input size [1, 3, 1, 1]"), Error);
  CHECK_THROWS_WITH_AS(BatchNorm2d(-1), "BatchNorm2d: num_features must be positive, got -1", Error);
  BatchNorm2d plain(2, {.momentum = std::nullopt, .affine = false});
  CHECK(repr(plain) == "BatchNorm2d(2, eps=1e-05, momentum=None, affine=False, track_running_stats=True)");
  CHECK(plain.parameters().empty());
}

TEST_CASE("BatchNorm1d: state, parameters and options") {
  BatchNorm1d bn(3);
  CHECK(equal(bn.weight.detach(), ones({3})));
  CHECK(equal(bn.bias.detach(), zeros({3})));
  CHECK(equal(bn.running_mean, zeros({3})));
  CHECK(equal(bn.running_var, ones({3})));
  CHECK(bn.num_batches_tracked.dtype() == kInt64);
  bn(randn({4, 3}) * 3.0 + 1.0);
  bn.reset_running_stats();
  CHECK(equal(bn.running_mean, zeros({3})));
  CHECK(bn.num_batches_tracked.item() == 0);

  // Without affine: no parameters; without tracking: no buffers, and eval uses the batch's statistics.
  BatchNorm1d plain(3, {.affine = false, .track_running_stats = false});
  CHECK(plain.parameters().empty());
  CHECK(plain.buffers().empty());
  CHECK(plain.state_dict().empty());
  Tensor x = randn({6, 3}, f64);
  plain.to(kFloat64);
  plain.eval();
  Tensor centred = x - x.mean({0}, true), biased_var = (centred * centred).mean({0});  // over the 6 rows
  Tensor normalised = centred / (biased_var + 1e-5).sqrt();
  CHECK(allclose(plain(x), normalised, 1e-10, 1e-12));
  CHECK(allclose(F::batch_norm(x, {}, {}, {}, {}, true), normalised, 1e-10, 1e-12));
  // Eval with running statistics is the affine map (x - mean) / sqrt(var + eps) * w + b.
  Tensor rm = tensor({0.5, -1, 2}, f64), rv = tensor({4, 0.25, 1}, f64), w = tensor({2, 3, -1}, f64),
         b = tensor({0, 1, 0.5}, f64);
  CHECK(allclose(F::batch_norm(x, rm, rv, w, b, false, 0.1, 0),
                 (x - rm) / rv.sqrt() * w + b, 1e-12, 1e-12));
  // Training updates the given running statistics in place.
  F::batch_norm(x, rm, rv, w, b, true, 0.5);
  CHECK(allclose(rm, 0.5 * tensor({0.5, -1, 2}, f64) + 0.5 * x.mean({0}), 1e-12, 1e-12));
  CHECK(allclose(rv, 0.5 * tensor({4, 0.25, 1}, f64) + 0.5 * biased_var * (6.0 / 5), 1e-12, 1e-12));
}

TEST_CASE("BatchNorm1d: errors name the layer and the shapes") {
  BatchNorm1d bn(4);
  std::string name = "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)";
  CHECK_THROWS_WITH_AS(bn(zeros({1, 4})),
                       (name + ": Expected more than 1 value per channel when training, got input size [1, 4]").c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(bn(zeros({1, 4, 1})), doctest::Contains("got input size [1, 4, 1]"), Error);
  CHECK_THROWS_WITH_AS(bn(zeros({8, 5})), (name + ": expected input with 4 channels (dim 1), got [8, 5]").c_str(), Error);
  CHECK_THROWS_WITH_AS(bn(zeros({2, 4, 3, 3})), (name + ": expected 2D or 3D input (got 4D input of shape [2, 4, 3, 3])").c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(bn(zeros({8, 4}, f64)),
                       (name + ": input is float64 but the module is float32 (convert the input, or the module with "
                               "to(float64))").c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(BatchNorm1d(0), "BatchNorm1d: num_features must be positive, got 0", Error);
  bn.eval();
  CHECK(bn(zeros({1, 4})).shape() == Shape{1, 4});  // one sample is fine in eval

  // The op's own checks.
  CHECK_THROWS_WITH_AS(F::batch_norm(zeros({3}), {}, {}, {}, {}, true),
                       "batch_norm: input must be (N, C, ...), got shape (3,)", Error);
  CHECK_THROWS_WITH_AS(F::batch_norm(zeros({1, 3}), {}, {}, {}, {}, true),
                       "batch_norm: expected more than 1 value per channel when training, got input size (1, 3)", Error);
  CHECK_THROWS_WITH_AS(F::batch_norm(zeros({2, 3}), zeros({4}), ones({4}), {}, {}, true),
                       "batch_norm: running_mean must have shape (3,) for input (2, 3), got (4,)", Error);
  CHECK_THROWS_WITH_AS(F::batch_norm(zeros({2, 3}), {}, {}, ones({3}, f64), {}, true),
                       "batch_norm: weight is float64 but input is float32", Error);
  CHECK_THROWS_WITH_AS(F::batch_norm(zeros({2, 3}), {}, {}, {}, {}, false),
                       "batch_norm: running_mean and running_var are needed when not training", Error);
}

TEST_CASE("batch_norm: the recorded graph holds no reference cycle (the output is freed with its last handle)") {
  std::weak_ptr<TensorImpl> plain, affine;
  {
    Tensor x = randn({4, 3}, {.requires_grad = true});
    Tensor y = F::batch_norm(x, {}, {}, {}, {}, true);  // without affine parameters y is xhat itself
    Tensor z = F::batch_norm(x, {}, {}, ones({3}), zeros({3}), true);
    plain = y.impl();
    affine = z.impl();
  }
  CHECK(plain.expired());
  CHECK(affine.expired());
}
