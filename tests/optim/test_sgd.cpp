// SGD trajectories against the update equations evaluated in plain float64 inside the test, on the
// loss sum(c p^2 / 2 + d p), whose gradient is c p + d; two param groups also against PyTorch 1.13.
#include <doctest/doctest.h>

#include <vector>

#include "helpers.h"
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

// The parameters after each step, concatenated.
std::vector<double> run_reference(optim::SGDOptions o, int steps, std::vector<double> p = {1.0, -2.0, 0.5},
                                  std::vector<double> c = {1.0, 3.0, 0.5},
                                  std::vector<double> d = {0.1, -0.2, 0.3}) {
  std::vector<double> b(p.size()), trajectory;
  for (int t = 0; t < steps; ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = c[i] * p[i] + d[i] + o.weight_decay * p[i];
      if (o.momentum != 0) {
        b[i] = t == 0 ? g : o.momentum * b[i] + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * b[i] : b[i];
      }
      p[i] -= o.lr * g;
    }
    trajectory.insert(trajectory.end(), p.begin(), p.end());
  }
  return trajectory;
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
    std::vector<double> expected = run_reference(o, 7);
    check_same(run_muse(o, 7), std::vector<double>(expected.end() - 3, expected.end()));
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
  CHECK_ERROR(optim::SGD({p}, {.lr = -1}), "SGD: invalid learning rate -1");
  CHECK_ERROR(optim::SGD({p}, {.lr = 0.1, .nesterov = true}), "SGD: nesterov momentum requires");
  CHECK_ERROR(optim::SGD({p * 2}, {.lr = 0.1}),
              "SGD: parameter 0 (shape (2,)) must be a leaf tensor that requires grad");
}

TEST_CASE("SGD: two param groups against float64 math and PyTorch 1.13") {
  using namespace optim_test;
  Tensor p = parameter(ref::kP0, kFloat64), q = parameter(ref::kQ0, kFloat64);
  optim::SGD opt({{.params = {p}, .momentum = 0.9, .nesterov = true}, {.params = {q}}},
                 {.lr = 0.05, .weight_decay = 0.01});
  CHECK(opt.options(0).momentum == 0.9);
  CHECK(opt.options(1).momentum == 0);
  CHECK(opt.options(1).weight_decay == 0.01);
  std::vector<double> got;
  for (int t = 0; t < ref::kSteps; ++t) {
    opt.zero_grad();
    (quadratic(p, ref::kC, ref::kD) + quadratic(q, ref::kCQ, ref::kDQ)).backward();
    opt.step();
    append(got, p);
    append(got, q);
  }
  std::vector<double> rp = run_reference(opt.options(0), ref::kSteps, ref::kP0, ref::kC, ref::kD);
  std::vector<double> rq = run_reference(opt.options(1), ref::kSteps, ref::kQ0, ref::kCQ, ref::kDQ);
  std::vector<double> expected;
  for (int t = 0; t < ref::kSteps; ++t) {
    expected.insert(expected.end(), rp.begin() + t * 5, rp.begin() + (t + 1) * 5);
    expected.insert(expected.end(), rq.begin() + t * 3, rq.begin() + (t + 1) * 3);
  }
  check_close(got, expected, 1e-12);
  check_close(got, ref::kSGDGroups64, 1e-12);
  CHECK_ERROR(optim::SGD({{.params = {p}}, {.params = {q}, .momentum = -1}}),
              "SGD: invalid momentum -1 in param group 1");
}
