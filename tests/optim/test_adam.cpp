// Adam and AdamW trajectories on the quadratic problem of make_reference.py, checked against the
// textbook update evaluated in plain float64 inside the test, and against PyTorch 1.13's values in
// reference_values.h (float64 and float32). Then the fused kernel on large, odd-sized and strided
// tensors against the same update composed from tensor ops, and the error paths.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "helpers.h"
#include "muse/optim/adam.h"

using namespace muse;
using namespace optim_test;

namespace {

using Make = std::function<std::unique_ptr<optim::Adam>(Tensor p, Tensor q)>;

// Adam in its textbook form (Kingma & Ba, Algorithm 1), with PyTorch's placement of eps and the two
// weight decays; every group's options come from the optimizer under test.
struct Reference {
  std::vector<double> p, c, d, m, v, vmax;
  optim::AdamOptions o;

  void step(int t, bool decoupled) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = c[i] * p[i] + d[i];
      if (decoupled) p[i] *= 1 - o.lr * o.weight_decay;
      else g += o.weight_decay * p[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      vmax[i] = std::max(vmax[i], v[i]);
      double m_hat = m[i] / (1 - std::pow(o.beta1, t));
      double v_hat = (o.amsgrad ? vmax[i] : v[i]) / (1 - std::pow(o.beta2, t));
      p[i] -= o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
  }
};

struct Run {
  std::vector<double> muse, reference;
};

// kSteps steps of the optimizer on p (and q, in a second group, when two_groups), recording every
// parameter after each step, beside the reference's values.
Run run(const Make& make, DType dtype, bool two_groups) {
  Tensor p = parameter(ref::kP0, dtype), q = parameter(ref::kQ0, dtype);
  std::unique_ptr<optim::Adam> opt = make(p, q);
  const bool decoupled = dynamic_cast<optim::AdamW*>(opt.get()) != nullptr;
  const size_t n = ref::kP0.size(), nq = ref::kQ0.size();
  std::vector<Reference> refs = {{ref::kP0, ref::kC, ref::kD, std::vector<double>(n), std::vector<double>(n),
                                  std::vector<double>(n), opt->options(0)}};
  if (two_groups) {
    refs.push_back({ref::kQ0, ref::kCQ, ref::kDQ, std::vector<double>(nq), std::vector<double>(nq),
                    std::vector<double>(nq), opt->options(1)});
  }
  Run out;
  for (int t = 1; t <= ref::kSteps; ++t) {
    opt->zero_grad();
    Tensor loss = quadratic(p, ref::kC, ref::kD);
    if (two_groups) loss = loss + quadratic(q, ref::kCQ, ref::kDQ);
    loss.backward();
    opt->step();
    append(out.muse, p);
    if (two_groups) append(out.muse, q);
    for (Reference& r : refs) {
      r.step(t, decoupled);
      out.reference.insert(out.reference.end(), r.p.begin(), r.p.end());
    }
  }
  return out;
}

struct Case {
  std::string name;
  Make make;
  const std::vector<double>& torch64;
  const std::vector<double>* torch32;  // null where PyTorch's float32 run was not stored
};

template <class Opt, class Options>
Make single(Options o) {
  return [o](Tensor p, Tensor) { return std::make_unique<Opt>(std::vector<Tensor>{p}, o); };
}

}  // namespace

TEST_CASE("Adam, AdamW: trajectories against float64 math and PyTorch 1.13") {
  const std::vector<Case> single_group = {
      {"plain", single<optim::Adam>(optim::AdamOptions{.lr = 0.1}), ref::kAdamPlain64, &ref::kAdamPlain32},
      {"weight decay",
       single<optim::Adam>(optim::AdamOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1}),
       ref::kAdamWeightDecay64, &ref::kAdamWeightDecay32},
      {"amsgrad",
       single<optim::Adam>(optim::AdamOptions{.lr = 0.5, .beta1 = 0.5, .beta2 = 0.6, .amsgrad = true}),
       ref::kAdamAmsgrad64, &ref::kAdamAmsgrad32},
      {"AdamW", single<optim::AdamW>(optim::AdamWOptions{.lr = 0.1}), ref::kAdamW64, &ref::kAdamW32},
      {"AdamW amsgrad", single<optim::AdamW>(optim::AdamWOptions{.lr = 0.5, .beta1 = 0.5, .beta2 = 0.6,
                                                                  .weight_decay = 0.1, .amsgrad = true}),
       ref::kAdamWAmsgrad64, &ref::kAdamWAmsgrad32},
  };
  for (const Case& c : single_group) {
    CAPTURE(c.name);
    Run r64 = run(c.make, kFloat64, false);
    check_close(r64.muse, r64.reference, 1e-12);
    check_close(r64.muse, c.torch64, 1e-12);
    check_close(run(c.make, kFloat32, false).muse, *c.torch32, 2e-6);
  }
}

TEST_CASE("Adam, AdamW: two param groups, unset options from the defaults") {
  const std::vector<Case> two_groups = {
      {"Adam", [](Tensor p, Tensor q) {
         std::vector<optim::AdamGroup> groups = {{.params = {p}, .lr = 0.1},
                                                 {.params = {q}, .beta1 = 0.5, .beta2 = 0.9}};
         return std::make_unique<optim::Adam>(groups, optim::AdamOptions{.lr = 0.01, .weight_decay = 0.05});
       }, ref::kAdamGroups64, nullptr},
      {"AdamW", [](Tensor p, Tensor q) {
         return std::make_unique<optim::AdamW>(
             std::vector<optim::AdamGroup>{{.params = {p}}, {.params = {q}, .lr = 0.2, .amsgrad = true}},
             optim::AdamWOptions{.lr = 0.05});
       }, ref::kAdamWGroups64, nullptr},
  };
  for (const Case& c : two_groups) {
    CAPTURE(c.name);
    Run r = run(c.make, kFloat64, true);
    check_close(r.muse, r.reference, 1e-12);
    check_close(r.muse, c.torch64, 1e-12);
  }
  Tensor p = parameter({1}, kFloat32), q = parameter({2}, kFloat32);
  optim::AdamW opt({{.params = {p}, .weight_decay = 0}, {.params = {q}, .beta2 = 0.9}},
                   {.lr = 0.3, .beta1 = 0.7});
  CHECK(opt.param_groups().size() == 2);
  CHECK(opt.param_groups()[1].lr == 0.3);
  CHECK(opt.options(0).weight_decay == 0);
  CHECK(opt.options(1).weight_decay == 0.01);  // AdamW's default
  CHECK(opt.options(1).beta1 == 0.7);
  CHECK(opt.options(1).beta2 == 0.9);
  opt.param_groups()[1].lr = 0.5;  // what schedulers do
  CHECK(opt.options(1).lr == 0.5);
}

// The fused kernel against the same update composed from tensor ops in the same order and dtype, on
// sizes that leave vector tails and split across threads. The two differ only by rounding: the
// compiler may fuse the kernel's multiply-adds into FMAs.
TEST_CASE("Adam: fused kernel on large and strided parameters against composed tensor ops") {
  for (DType dtype : {kFloat32, kFloat64}) {
    for (bool decoupled : {false, true}) {
      for (int64_t n : {int64_t(1), int64_t(17), int64_t(3 * 32768 + 7)}) {
        CAPTURE(dtype);
        CAPTURE(decoupled);
        CAPTURE(n);
        Generator gen(n);
        Tensor p = randn({n}, {.dtype = dtype}, gen).requires_grad_();
        Tensor expected = p.detach().clone(), m = zeros_like(p), v = zeros_like(p), vmax = zeros_like(p);
        const optim::AdamOptions o{.lr = 0.01, .beta1 = 0.8, .beta2 = 0.9, .eps = 1e-3, .weight_decay = 0.1,
                                   .amsgrad = true};
        // One group that sets every option, so Adam's and AdamW's defaults do not matter.
        std::vector<optim::AdamGroup> group = {{.params = {p}, .lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2,
                                                .eps = o.eps, .weight_decay = o.weight_decay, .amsgrad = true}};
        std::unique_ptr<optim::Adam> opt;
        if (decoupled) opt = std::make_unique<optim::AdamW>(group);
        else opt = std::make_unique<optim::Adam>(group);
        for (int t = 1; t <= 3; ++t) {
          Tensor g = randn({n}, {.dtype = dtype}, gen) * double(t % 2 ? 1 : 0.1);
          p.mutable_grad() = g;
          opt->step();
          if (decoupled) expected = expected * (1 - o.lr * o.weight_decay);
          else g = g + o.weight_decay * expected;
          m = m * o.beta1 + (1 - o.beta1) * g;
          v = v * o.beta2 + (1 - o.beta2) * g * g;
          vmax = maximum(vmax, v);
          Tensor denom = sqrt(vmax) / std::sqrt(1 - std::pow(o.beta2, t)) + o.eps;
          expected = expected - (o.lr / (1 - std::pow(o.beta1, t))) * m / denom;
        }
        const double tol = dtype == kFloat32 ? 1e-6 : 1e-14;
        CHECK(allclose(p.detach(), expected, tol, tol));
      }
    }
  }
}

TEST_CASE("Adam: a strided parameter is updated through its view") {
  Tensor base = arange(6, {.dtype = kFloat64}).reshape({2, 3});
  Tensor p = base.t().detach().requires_grad_();  // a non-contiguous leaf over base's storage
  Tensor dense = p.detach().clone().requires_grad_();
  optim::Adam a({p}, {.lr = 0.1}), b({dense}, {.lr = 0.1});
  Tensor g = arange(6, {.dtype = kFloat64}).reshape({3, 2}) - 2.5;
  p.mutable_grad() = g;
  dense.mutable_grad() = g;
  a.step();
  b.step();
  CHECK(equal(p.detach(), dense.detach()));
  CHECK(equal(base.t(), dense.detach()));
}

TEST_CASE("Adam: parameters without a gradient keep their value and get no state") {
  Tensor p = parameter({1, 2}, kFloat32), q = parameter({3}, kFloat32);
  optim::Adam opt({p, q}, {.lr = 0.1});
  (p * p).sum().backward();
  opt.step();
  CHECK(values(q) == std::vector<double>{3});
  CHECK(values(p)[0] == doctest::Approx(0.9));
  for (const auto& [key, t] : opt.state_dict()) CHECK(key.rfind("state.1.", 0) != 0);
}

TEST_CASE("Adam, AdamW: option and gradient errors") {
  Tensor p = parameter({1, 2}, kFloat32), q = parameter({3}, kFloat32);
  CHECK_ERROR(optim::Adam({p}, {.lr = -1}), "Adam: invalid learning rate -1");
  CHECK_ERROR(optim::Adam({p}, {.beta1 = 1}), "Adam: invalid beta1 1 (expected 0 <= beta1 < 1)");
  CHECK_ERROR(optim::AdamW({p}, {.beta2 = -0.5}), "AdamW: invalid beta2 -0.5");
  CHECK_ERROR(optim::Adam({p}, {.eps = -1e-8}), "Adam: invalid eps -1e-08");
  CHECK_ERROR(optim::AdamW({p}, {.weight_decay = -1}), "AdamW: invalid weight_decay -1");
  CHECK_ERROR(optim::Adam({{.params = {p}}, {.params = {q}, .lr = -2}}),
              "Adam: invalid learning rate -2 in param group 1");
  CHECK_ERROR(optim::Adam({{.params = {p}}, {.params = {q, p}}}), "Adam: parameter 2 appears twice");
  CHECK_ERROR(optim::Adam(std::vector<Tensor>{}), "Adam: got an empty parameter list");
  CHECK_ERROR(optim::Adam({p.detach()}), "Adam: parameter 0 (shape (2,)) must be a leaf");
  optim::Adam opt({p, q});
  q.mutable_grad() = zeros({2});
  CHECK_ERROR(opt.step(), "Adam: the gradient of parameter 1 is (2,) float32 on cpu, "
                                                     "but the parameter is (1,) float32 on cpu");
  CHECK_ERROR(opt.options(2), "Adam: no param group 2 (there are 1)");
}
