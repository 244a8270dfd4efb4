// SGD trajectories against the update equations evaluated in plain float64 inside the test, on the
// loss sum(c p^2 / 2 + d p), whose gradient is c p + d.
#include <doctest/doctest.h>

#include <vector>

#include "muse/muse.h"
#include "muse/optim/sgd.h"

using namespace muse;

namespace {

std::vector<double> run_muse(optim::SGDOptions o, int steps) {
  Tensor p = tensor({1.0, -2.0, 0.5}, {.dtype = kFloat64, .requires_grad = true});
  Tensor c = tensor({1.0, 3.0, 0.5}, {.dtype = kFloat64}), d = tensor({0.1, -0.2, 0.3}, {.dtype = kFloat64});
  optim::SGD opt({p}, o);
  for (int t = 0; t < steps; ++t) {
    opt.zero_grad();
    (c * p * p / 2 + d * p).sum().backward();
    opt.step();
  }
  return p.to_vector<double>();
}

std::vector<double> run_reference(optim::SGDOptions o, int steps) {
  std::vector<double> p = {1.0, -2.0, 0.5}, c = {1.0, 3.0, 0.5}, d = {0.1, -0.2, 0.3}, b(3);
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < 3; ++i) {
      double g = c[i] * p[i] + d[i] + o.weight_decay * p[i];
      if (o.momentum != 0) {
        b[i] = t == 0 ? g : o.momentum * b[i] + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * b[i] : b[i];
      }
      p[i] -= o.lr * g;
    }
  }
  return p;
}

void check_same(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-12));
}

}  // namespace

TEST_CASE("SGD: plain, momentum with dampening and weight decay, nesterov") {
  for (optim::SGDOptions o : {optim::SGDOptions{.lr = 0.1},
                              optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01},
                              optim::SGDOptions{.lr = 0.05, .momentum = 0.8, .nesterov = true}}) {
    check_same(run_muse(o, 7), run_reference(o, 7));
  }
}

TEST_CASE("SGD: zero_grad, skipped parameters and option errors") {
  Tensor p = ones({2}, {.requires_grad = true}), q = ones({2}, {.requires_grad = true});
  optim::SGD opt({p, q}, {.lr = 1});
  (p * 3).sum().backward();
  opt.step();  // q has no gradient and stays
  CHECK(p.to_vector<float>() == std::vector<float>{-2, -2});
  CHECK(q.to_vector<float>() == std::vector<float>{1, 1});
  opt.zero_grad(/*set_to_none=*/false);
  CHECK(p.grad().sum().item() == 0);
  opt.zero_grad();
  CHECK(!p.grad().defined());
  CHECK_THROWS_WITH_AS(optim::SGD({p}, {.lr = -1}), doctest::Contains("SGD: invalid learning rate -1"), Error);
  CHECK_THROWS_WITH_AS(optim::SGD({p}, {.lr = 0.1, .nesterov = true}), doctest::Contains("SGD: nesterov momentum requires"), Error);
  CHECK_THROWS_WITH_AS(optim::SGD({p * 2}, {.lr = 0.1}), doctest::Contains("SGD: parameter 0 (shape (2,)) must be a leaf tensor that requires grad"), Error);
}
