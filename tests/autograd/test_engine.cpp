// The autograd engine: accumulation, retain_graph, freed graphs, no-grad, detach, retain_grad,
// broadcasting reduced by the engine, and a 100,000-op chain.
#include <doctest/doctest.h>

#include "muse/muse.h"

using namespace muse;

TEST_CASE("engine: gradients of a small expression, by hand") {
  // f = sum(x * y + x) ; df/dx = y + 1, df/dy = x
  Tensor x = tensor({1, 2, 3}, {.requires_grad = true});
  Tensor y = tensor({4, 5, 6}, {.requires_grad = true});
  Tensor f = (x * y + x).sum();
  CHECK(f.item() == doctest::Approx(1 * 4 + 2 * 5 + 3 * 6 + 6));
  f.backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>{5, 6, 7});
  CHECK(y.grad().to_vector<float>() == std::vector<float>{1, 2, 3});
}

TEST_CASE("engine: .grad accumulates across backward calls until reset") {
  Tensor x = tensor({2}, {.requires_grad = true});
  (x * x).sum().backward();
  (x * x).sum().backward();
  CHECK(x.grad().item() == 8);  // 2 * (2x)
  x.mutable_grad() = Tensor();
  (x * 3).sum().backward();
  CHECK(x.grad().item() == 3);
}

TEST_CASE("engine: a diamond runs each node once and sums both paths") {
  // y = x^2 ; f = y * 3 + y * 5  => df/dx = 16 x
  Tensor x = tensor({1.5}, {.requires_grad = true});
  Tensor y = x * x;
  Tensor f = (y * 3 + y * 5).sum();
  f.backward();
  CHECK(x.grad().item() == doctest::Approx(24.0));
}

TEST_CASE("engine: retain_graph keeps the graph; without it a second pass is an error") {
  Tensor x = tensor({1, 2}, {.requires_grad = true});
  Tensor f = (x * x).sum();
  f.backward({}, /*retain_graph=*/true);
  f.backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>{4, 8});
  CHECK_THROWS_WITH_AS(f.backward(), doctest::Contains("backward through the graph a second time"), Error);
}

TEST_CASE("engine: backward on a non-scalar needs a gradient of the right shape") {
  Tensor x = ones({2, 3}, {.requires_grad = true});
  Tensor y = x * 2;
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("backward: grad can be implicitly created only for a tensor of one element, got shape (2, 3)"), Error);
  CHECK_THROWS_WITH_AS(y.backward(ones({3, 2})), doctest::Contains("backward: gradient of shape (3, 2) does not match the tensor's shape (2, 3)"), Error);
  y.backward(full({2, 3}, 0.5));
  CHECK(x.grad().to_vector<float>() == std::vector<float>(6, 1.0f));
  Tensor c = ones({2});
  CHECK_THROWS_WITH_AS(c.backward(), doctest::Contains("does not require grad"), Error);
}

TEST_CASE("engine: the engine sums gradients over broadcast dimensions") {
  Tensor a = ones({3, 1}, {.requires_grad = true});
  Tensor b = ones({4}, {.requires_grad = true});
  (a + b).sum().backward();
  CHECK(a.grad().shape() == Shape{3, 1});
  CHECK(a.grad().to_vector<float>() == std::vector<float>(3, 4.0f));
  CHECK(b.grad().shape() == Shape{4});
  CHECK(b.grad().to_vector<float>() == std::vector<float>(4, 3.0f));
}

TEST_CASE("engine: no-grad scope, detach, leaves and retain_grad") {
  Tensor x = tensor({3}, {.requires_grad = true});
  {
    NoGradGuard guard;
    Tensor y = x * 2;
    CHECK(!y.requires_grad());
    CHECK(y.is_leaf());
  }
  CHECK(GradMode::is_enabled());
  Tensor d = (x * 2).detach();
  CHECK(!d.requires_grad());
  Tensor h = x * 2;
  CHECK(!h.is_leaf());
  CHECK(h.grad_fn_name() == "mul");
  h.retain_grad();
  Tensor f = (h * h).sum();
  f.backward();
  CHECK(h.grad().item() == 12);  // d(h^2)/dh = 2h = 12
  CHECK(x.grad().item() == 24);
  Tensor k = x * 5;
  (k * 1).sum().backward();
  CHECK(!k.grad().defined());  // non-leaves keep no grad unless asked
}

TEST_CASE("engine: a chain of 100,000 ops backpropagates and is freed without overflowing the stack") {
  Tensor x = tensor({1.0}, {.requires_grad = true});
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y + x;
  y.sum().backward();
  CHECK(x.grad().item() == 100001);
  // A graph dropped without backward must also be freed iteratively.
  Tensor z = x;
  for (int i = 0; i < 100000; ++i) z = z * 1.0;
  z = Tensor();
  CHECK(true);
}

TEST_CASE("engine: in-place updates refuse tensors in a recorded graph") {
  Tensor w = ones({2}, {.requires_grad = true});
  CHECK_THROWS_WITH_AS(w.add_(ones({2})), doctest::Contains("add_: in-place update of a tensor that requires grad"), Error);
  {
    NoGradGuard guard;
    w.add_(ones({2}), -0.5);
    w.mul_(4);
  }
  CHECK(w.to_vector<float>() == std::vector<float>{2, 2});
  CHECK_THROWS_WITH_AS(zeros({2}, {.dtype = kInt64}).requires_grad_(), doctest::Contains("only floating-point tensors can require grad"), Error);
}

TEST_CASE("engine: the same code gives the same gradients every run") {
  auto run = [] {
    Generator g(5);
    Tensor w = randn({4, 3}, {.dtype = kFloat64, .requires_grad = true}, g);
    Tensor x = randn({3}, {.dtype = kFloat64}, g);
    (tanh(matmul(w, x)) * 2).sum().backward();
    return w.grad().to_vector<double>();
  };
  CHECK(run() == run());
}
