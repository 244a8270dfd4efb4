// Layers against independent references: Linear against matmul + add (values and gradients) and its
// default-init bounds and statistics; Flatten / Unflatten shapes; activations against their ops; Dropout
// scaling, statistics, gradient and eval identity; Sequential; and every error message a user can hit.
#include <doctest/doctest.h>

#include <cmath>

#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/nn/layers.h"

using namespace muse;
using namespace muse::nn;
namespace F = muse::nn::functional;

namespace {
const TensorOptions f64{.dtype = kFloat64};
}  // namespace

TEST_CASE("Linear: default init is U(-1/sqrt(in), 1/sqrt(in)) for weight and bias") {
  Linear fc(784, 512);
  double bound = 1 / std::sqrt(784.0);
  for (const Tensor& t : {fc.weight, fc.bias}) {
    Tensor v = t.detach().to(kFloat64);
    CHECK(v.abs().max().item() <= bound);
    CHECK(v.abs().max().item() > 0.99 * bound);
    // A uniform(-b, b) has mean 0 and variance b^2 / 3.
    double n = static_cast<double>(v.numel());
    CHECK(std::abs(v.mean().item()) < 5 * bound / std::sqrt(3 * n));
  }
  Tensor w = fc.weight.detach().to(kFloat64);
  CHECK(w.pow(2).mean().item() == doctest::Approx(bound * bound / 3).epsilon(0.01));
  CHECK(fc.weight.shape() == Shape{512, 784});
  CHECK(fc.bias.shape() == Shape{512});
  CHECK(fc.weight.requires_grad());
}

TEST_CASE("Linear: the generator gives the weight's numbers first, then the bias's") {
  Generator a(7), b(7);
  Linear fc(3, 2, true, a);
  double bound = 1 / std::sqrt(3.0);
  Tensor w = empty({2, 3}).uniform_(-bound, bound, b), bias = empty({2}).uniform_(-bound, bound, b);
  CHECK(allclose(fc.weight.detach(), w, 1e-6, 1e-7));
  CHECK(allclose(fc.bias.detach(), bias, 1e-6, 1e-7));
  Generator c(7);
  CHECK(equal(Linear(3, 2, true, c).weight.detach(), fc.weight.detach()));
  manual_seed(11);
  Tensor first = Linear(5, 5).weight.detach();
  manual_seed(11);
  CHECK(equal(Linear(5, 5).weight.detach(), first));
}

TEST_CASE("Linear: forward and backward match matmul + add, for 2-D, 3-D and 1-D inputs") {
  Linear fc(4, 3);
  fc.to(kFloat64);
  for (const Shape& shape : {Shape{5, 4}, Shape{2, 3, 4}, Shape{4}}) {
    CAPTURE(shape);
    Tensor x = randn(shape, {.dtype = kFloat64, .requires_grad = true});
    Tensor y = fc(x);
    Tensor ref = matmul(x, fc.weight.t()) + fc.bias;
    CHECK(y.shape() == ref.shape());
    CHECK(allclose(y, ref, 1e-12, 1e-12));
    Tensor g = randn(y.shape(), f64);
    fc.zero_grad();
    (y * g).sum().backward();
    Tensor dx = x.grad(), dw = fc.weight.grad(), db = fc.bias.grad();
    x.mutable_grad() = Tensor();
    fc.zero_grad();
    (ref * g).sum().backward();
    CHECK(allclose(dx, x.grad(), 1e-12, 1e-12));
    CHECK(allclose(dw, fc.weight.grad(), 1e-12, 1e-12));
    CHECK(allclose(db, fc.bias.grad(), 1e-12, 1e-12));
  }
  Linear no_bias(4, 3, false);
  CHECK_FALSE(no_bias.bias.defined());
  CHECK(no_bias.parameters().size() == 1);
  CHECK(allclose(no_bias(ones({2, 4})), matmul(ones({2, 4}), no_bias.weight.t())));
}

TEST_CASE("Linear: errors name the layer and the shapes") {
  Linear fc(784, 512);
  CHECK_THROWS_WITH_AS(fc(zeros({64, 100})),
                       "Linear(in_features=784, out_features=512, bias=True): expected input with last dimension 784, "
                       "got [64, 100]",
                       Error);
  CHECK_THROWS_WITH_AS(fc(zeros({})), doctest::Contains("expected input with last dimension 784, got []"), Error);
  CHECK_THROWS_WITH_AS(fc(zeros({2, 784}, f64)),
                       "Linear(in_features=784, out_features=512, bias=True): input is float64 but the weights are "
                       "float32 (convert the input, or the module with to(float64))",
                       Error);
  CHECK_THROWS_WITH_AS(Linear(-1, 3), "Linear: in_features and out_features must be non-negative, got -1 and 3", Error);
  // The op's own checks (F::linear is muse::linear).
  CHECK_THROWS_WITH_AS(F::linear(zeros({2, 3}), zeros({4, 5})),
                       "linear: input (2, 3) has last dimension 3 but weight (4, 5) expects 5", Error);
  CHECK_THROWS_WITH_AS(F::linear(zeros({2, 3}), zeros({3})),
                       "linear: weight must be (out_features, in_features), got shape (3,)", Error);
  CHECK_THROWS_WITH_AS(F::linear(zeros({2, 3}), zeros({4, 3}), zeros({3})),
                       "linear: shapes (2, 4) and (3,) do not broadcast (4 vs 3 at dim 1)", Error);
  CHECK_THROWS_WITH_AS(F::linear(zeros({2, 3}), zeros({4, 3}), zeros({5, 1, 4})),
                       "linear: bias of shape (5, 1, 4) does not broadcast to the output shape (2, 4) of input (2, 3) "
                       "and weight (4, 3)",
                       Error);
  CHECK_THROWS_WITH_AS(F::linear(zeros({}), zeros({4, 3})),
                       "linear: input must have at least one dimension, got shape ()", Error);
  CHECK_THROWS_WITH_AS(F::linear(zeros({2, 3}, f64), zeros({4, 3})), doctest::Contains("linear:"), Error);
  // An empty batch and in_features = 0 work (a product over nothing is 0).
  CHECK(fc(zeros({0, 784})).shape() == Shape{0, 512});
  Linear none(0, 2);
  CHECK(equal(none(zeros({3, 0})), zeros({3, 2}) + none.bias.detach()));
}

TEST_CASE("Identity, Flatten and Unflatten") {
  Tensor x = randn({2, 3, 4, 5});
  CHECK(equal(Identity()(x), x));
  CHECK(Flatten()(x).shape() == Shape{2, 60});
  CHECK(Flatten(0, 1)(x).shape() == Shape{6, 4, 5});
  CHECK(Flatten(-2, -1)(x).shape() == Shape{2, 3, 20});
  CHECK(equal(Flatten()(x), x.reshape({2, 60})));
  CHECK(Unflatten(1, {3, 4})(zeros({3, 12})).shape() == Shape{3, 3, 4});
  CHECK(Unflatten(-1, {-1, 4})(zeros({3, 12})).shape() == Shape{3, 3, 4});
  CHECK(equal(Unflatten(1, {3, 20})(Flatten()(x)), x.reshape({2, 3, 20})));
  CHECK_THROWS_WITH_AS(Flatten()(zeros({5})),
                       "Flatten(start_dim=1, end_dim=-1): start_dim 1 is out of range for input of shape [5]", Error);
  CHECK_THROWS_WITH_AS(Flatten(2, 1)(zeros({2, 3, 4})),
                       "Flatten(start_dim=2, end_dim=1): start_dim comes after end_dim for input of shape [2, 3, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(Unflatten(1, {2, 5})(zeros({3, 12})),
                       "Unflatten(dim=1, unflattened_size=(2, 5)): cannot split dim 1 of size 12 (input of shape "
                       "[3, 12]) into (2, 5)",
                       Error);
  CHECK_THROWS_WITH_AS(Unflatten(2, {2, 6})(zeros({3, 12})),
                       "Unflatten(dim=2, unflattened_size=(2, 6)): dim 2 is out of range for input of shape [3, 12]",
                       Error);
  CHECK_THROWS_WITH_AS(Unflatten(1, {-1, -1}),
                       "Unflatten(dim=1, unflattened_size=(-1, -1)): unflattened_size needs at least one size and at "
                       "most one -1",
                       Error);
}

TEST_CASE("Activations apply their ops") {
  Tensor x = randn({4, 5}, f64);
  CHECK(equal(ReLU()(x), relu(x)));
  CHECK(equal(LeakyReLU()(x), leaky_relu(x, 0.01)));
  CHECK(equal(LeakyReLU(0.2)(x), where(x > 0.0, x, 0.2 * x)));
  CHECK(equal(Tanh()(x), tanh(x)));
  CHECK(equal(Sigmoid()(x), sigmoid(x)));
  CHECK(equal(GELU()(x), gelu(x)));
  CHECK(equal(GELU("tanh")(x), gelu(x, "tanh")));
  CHECK(allclose(Softmax(1)(x).sum({1}), ones({4}, f64)));
  CHECK(equal(Softmax(0)(x), softmax(x, 0)));
  CHECK(equal(LogSoftmax(-1)(x), log_softmax(x, -1)));
  // The functional forms are the same ops.
  CHECK(equal(F::relu(x), relu(x)));
  CHECK(equal(F::leaky_relu(x, 0.3), leaky_relu(x, 0.3)));
  CHECK(equal(F::gelu(x, "tanh"), gelu(x, "tanh")));
  CHECK(equal(F::tanh(x), tanh(x)));
  CHECK(equal(F::sigmoid(x), sigmoid(x)));
  CHECK(equal(F::softmax(x, 1), softmax(x, 1)));
  CHECK(equal(F::log_softmax(x, 0), log_softmax(x, 0)));
  CHECK_THROWS_WITH_AS(GELU("fast"), "GELU: approximate must be 'none' or 'tanh', got 'fast'", Error);
  CHECK_THROWS_WITH_AS(Softmax(2)(zeros({2, 3})), "Softmax(dim=2): dim 2 is out of range for input of shape [2, 3]",
                       Error);
  CHECK_THROWS_WITH_AS(LogSoftmax(-3)(zeros({2, 3})),
                       "LogSoftmax(dim=-3): dim -3 is out of range for input of shape [2, 3]", Error);
}

TEST_CASE("Dropout: inverted scaling, statistics, gradient, and identity in eval") {
  Generator g(3);
  for (double p : {0.5, 0.2}) {
    CAPTURE(p);
    Dropout drop(p, g);
    Tensor x = ones({100000}, {.dtype = kFloat64, .requires_grad = true});
    Tensor y = drop(x);
    Tensor kept = y != 0.0;
    // Every kept element is scaled by 1 / (1 - p); the zero fraction is p within 6 standard deviations.
    CHECK(equal(masked_fill(y.detach(), !kept, 1 / (1 - p)), full({100000}, 1 / (1 - p), f64)));
    double zero_fraction = 1 - kept.to(kFloat64).mean().item();
    CHECK(std::abs(zero_fraction - p) < 6 * std::sqrt(p * (1 - p) / 1e5));
    CHECK(std::abs(y.mean().item() - 1) < 0.02);
    y.sum().backward();
    CHECK(equal(x.grad(), y.detach()));  // dy/dx = the scaled mask, and x is all ones
  }
  Dropout drop(0.5);
  drop.eval();
  Tensor x = randn({3, 4});
  CHECK(drop(x).impl() == x.impl());
  drop.train();
  CHECK(equal(Dropout(1)(x), zeros({3, 4})));
  CHECK(equal(Dropout(0)(x), x));
  CHECK(equal(F::dropout(x, 0.5, false), x));
}

TEST_CASE("Dropout: masks come from the given generator, or the global one") {
  Tensor x = ones({50});
  Generator a(9), b(9);
  CHECK(equal(Dropout(0.5, a)(x), Dropout(0.5, b)(x)));
  CHECK(equal(F::dropout(x, 0.3, true, a), F::dropout(x, 0.3, true, b)));
  manual_seed(4);
  Tensor first = Dropout()(x);
  manual_seed(4);
  CHECK(equal(Dropout()(x), first));
  CHECK_FALSE(equal(Dropout()(x), first));
}

TEST_CASE("Dropout: errors") {
  CHECK_THROWS_WITH_AS(Dropout(1.5), "Dropout: p must be a probability in [0, 1], got 1.5", Error);
  CHECK_THROWS_WITH_AS(Dropout(-0.1), "Dropout: p must be a probability in [0, 1], got -0.1", Error);
  CHECK_THROWS_WITH_AS(F::dropout(ones({2}), 2), "dropout: p must be a probability in [0, 1], got 2", Error);
  CHECK_THROWS_WITH_AS(F::dropout(ones({2}, {.dtype = kInt64}), 0.5),
                       "dropout: input must be float32 or float64, got int64", Error);
}

TEST_CASE("Sequential: order, indexing and errors") {
  auto fc1 = std::make_shared<Linear>(3, 4), fc2 = std::make_shared<Linear>(4, 2);
  Sequential seq(fc1, std::make_shared<ReLU>());
  seq.push_back(fc2);
  seq.push_back("out", std::make_shared<Sigmoid>());
  CHECK(seq.size() == 4);
  CHECK(seq[0] == fc1);
  CHECK(seq[-2] == fc2);
  CHECK(seq.at<Linear>(2) == fc2);
  CHECK(seq.named_children()[3].first == "out");
  Tensor x = randn({5, 3});
  CHECK(equal(seq(x), sigmoid((*fc2)(relu((*fc1)(x))))));
  CHECK(equal(Sequential()(x), x));
  CHECK_THROWS_WITH_AS(seq[4], "Sequential: index 4 is out of range for 4 modules", Error);
  CHECK_THROWS_WITH_AS(seq[-5], "Sequential: index -5 is out of range for 4 modules", Error);
  CHECK_THROWS_WITH_AS(seq.at<Linear>(1), "Sequential: module 1 is a ReLU, not the type asked for", Error);
  // An error inside names the layer that failed.
  CHECK_THROWS_WITH_AS(seq(zeros({5, 7})), doctest::Contains("Linear(in_features=3, out_features=4, bias=True)"), Error);
}
