// Optimizer checkpoints: the keys of state_dict(), a save -> load -> continue run that is bit-identical
// to an uninterrupted one (with a scheduler), and load_state_dict's checks, which leave the optimizer
// untouched when they fail.
#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "helpers.h"
#include "muse/optim/adam.h"
#include "muse/optim/lr_scheduler.h"
#include "muse/optim/sgd.h"

using namespace muse;
using namespace muse::optim;
using namespace optim_test;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(Tensor p, Tensor q)>;

struct Model {
  Tensor p, q;
  std::unique_ptr<Optimizer> opt;
  std::unique_ptr<StepLR> sched;

  Model(const MakeOptimizer& make, DType dtype)
      : p(parameter(ref::kP0, dtype)), q(parameter(ref::kQ0, dtype)), opt(make(p, q)),
        sched(std::make_unique<StepLR>(*opt, StepLROptions{.step_size = 2, .gamma = 0.5})) {}

  void train(int steps) {
    for (int t = 0; t < steps; ++t) {
      opt->zero_grad();
      (quadratic(p, ref::kC, ref::kD) + quadratic(q, ref::kCQ, ref::kDQ)).backward();
      opt->step();
      sched->step();
    }
  }
};

std::vector<std::string> keys(const StateDict& dict) {
  std::vector<std::string> out;
  for (const auto& [key, t] : dict) out.push_back(key);
  return out;
}

MakeOptimizer adam_groups() {
  return [](Tensor p, Tensor q) {
    std::vector<AdamGroup> groups = {{.params = {p}, .amsgrad = true}, {.params = {q}, .lr = 0.01}};
    return std::make_unique<Adam>(groups, AdamOptions{.lr = 0.1, .weight_decay = 0.01});
  };
}

}  // namespace

TEST_CASE("Optimizer state_dict: PyTorch's keys") {
  Model m(adam_groups(), kFloat32);
  m.train(1);
  StateDict s = m.opt->state_dict();
  CHECK(keys(s) == std::vector<std::string>{
      "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
      "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq",
      "param_groups.0.params", "param_groups.0.lr", "param_groups.0.initial_lr", "param_groups.0.betas",
      "param_groups.0.eps", "param_groups.0.weight_decay", "param_groups.0.amsgrad",
      "param_groups.1.params", "param_groups.1.lr", "param_groups.1.initial_lr", "param_groups.1.betas",
      "param_groups.1.eps", "param_groups.1.weight_decay", "param_groups.1.amsgrad"});
  CHECK(s[0].second.dim() == 0);
  CHECK(s[0].second.dtype() == kFloat32);  // as PyTorch 1.13's state["step"]
  CHECK(s[0].second.item() == 1);
  CHECK(values(s[14].second) == std::vector<double>{1});  // group 1 holds parameter 1
  CHECK(s[15].second.dtype() == kFloat64);
  CHECK(values(s[10].second) == std::vector<double>{0.9, 0.999});

  SGD sgd({m.p}, {.lr = 0.1, .momentum = 0.9});
  CHECK(keys(sgd.state_dict()) == std::vector<std::string>{"param_groups.0.params", "param_groups.0.lr",
      "param_groups.0.momentum", "param_groups.0.dampening", "param_groups.0.weight_decay",
      "param_groups.0.nesterov"});
}

TEST_CASE("Optimizer state_dict: save, load and continue is bit-identical to an uninterrupted run") {
  const std::vector<std::pair<std::string, MakeOptimizer>> cases = {
      {"SGD", [](Tensor p, Tensor q) {
         std::vector<SGDGroup> groups = {{.params = {p}, .nesterov = true}, {.params = {q}, .lr = 0.01}};
         return std::make_unique<SGD>(groups, SGDOptions{.lr = 0.05, .momentum = 0.9});
       }},
      {"Adam", adam_groups()},
      {"AdamW", [](Tensor p, Tensor q) {
         std::vector<AdamGroup> groups = {{.params = {p}}, {.params = {q}, .beta1 = 0.5, .amsgrad = true}};
         return std::make_unique<AdamW>(groups);
       }},
  };
  for (const auto& [name, make] : cases) {
    for (DType dtype : {kFloat32, kFloat64}) {
      CAPTURE(name);
      CAPTURE(dtype);
      Model straight(make, dtype), first(make, dtype);
      straight.train(7);
      first.train(3);
      StateDict params = {{"p", first.p.detach().clone()}, {"q", first.q.detach().clone()}};
      StateDict opt_state = first.opt->state_dict(), sched_state = first.sched->state_dict();
      first.train(2);  // the saved state is a copy: later steps do not change it

      Model resumed(make, dtype);
      {
        NoGradGuard no_grad;
        resumed.p.copy_(params[0].second);
        resumed.q.copy_(params[1].second);
      }
      resumed.opt->load_state_dict(opt_state);
      resumed.sched->load_state_dict(sched_state);
      resumed.train(4);
      CHECK(equal(resumed.p, straight.p));
      CHECK(equal(resumed.q, straight.q));
      CHECK(resumed.opt->param_groups()[1].lr == straight.opt->param_groups()[1].lr);
    }
  }
}

TEST_CASE("Optimizer load_state_dict: every error names the key and changes nothing") {
  Model m(adam_groups(), kFloat32);
  m.train(2);
  const StateDict good = m.opt->state_dict();
  auto with = [&](const std::string& key, Tensor t) {
    StateDict d = good;
    for (auto& [k, v] : d) if (k == key) v = t;
    return d;
  };
  auto without = [&](const std::string& key) {
    StateDict d;
    for (const auto& kv : good) if (kv.first != key) d.push_back(kv);
    return d;
  };
  Model other(adam_groups(), kFloat32);
  other.train(1);
  const StateDict before = other.opt->state_dict();
  auto check_unchanged = [&] {
    StateDict after = other.opt->state_dict();
    REQUIRE(keys(after) == keys(before));
    for (size_t i = 0; i < after.size(); ++i) CHECK(equal(after[i].second, before[i].second));
  };
  Optimizer& o = *other.opt;
  CHECK_ERROR(o.load_state_dict(with("state.1.exp_avg", zeros({2}))),
              "Adam.load_state_dict: 'state.1.exp_avg' has shape (2,) and dtype float32, expected shape (3,) "
              "and dtype float32");
  CHECK_ERROR(o.load_state_dict(with("state.0.exp_avg_sq", zeros({5}, {.dtype = kFloat64}))),
              "'state.0.exp_avg_sq' has shape (5,) and dtype float64");
  CHECK_ERROR(o.load_state_dict(without("state.0.max_exp_avg_sq")),
              "Adam.load_state_dict: missing key 'state.0.max_exp_avg_sq'");
  CHECK_ERROR(o.load_state_dict(without("param_groups.1.lr")), "missing key 'param_groups.1.lr'");
  CHECK_ERROR(o.load_state_dict(with("state.1.step", scalar_tensor(1.5))),
              "'state.1.step' holds 1.5, expected a whole number >= 0");
  CHECK_ERROR(o.load_state_dict(with("param_groups.0.betas", tensor({0.9, 1.0}, {.dtype = kFloat64}))),
              "Adam.load_state_dict: invalid beta2 1 (expected 0 <= beta2 < 1) in 'param_groups.0.*'");
  CHECK_ERROR(o.load_state_dict(with("param_groups.1.params", tensor({0}, {.dtype = kInt64}))),
              "'param_groups.1.params' lists parameters");
  CHECK_ERROR(o.load_state_dict(with("param_groups.0.amsgrad", scalar_tensor(1.0))),
              "'param_groups.0.amsgrad' has shape () and dtype float32, expected shape () and dtype bool");
  StateDict extra = good;
  extra.emplace_back("state.2.step", scalar_tensor(1.0));
  CHECK_ERROR(o.load_state_dict(extra), "Adam.load_state_dict: 'state.2.step' is not a key of this state");
  extra.pop_back();
  extra.push_back(good[0]);
  CHECK_ERROR(o.load_state_dict(extra), "'state.0.step' appears twice");
  check_unchanged();

  SGD sgd({m.p, m.q});
  CHECK_ERROR(sgd.load_state_dict(good),
              "SGD.load_state_dict: 'param_groups.0.params' has shape (1,) and dtype int64, expected shape (2,)");
}
