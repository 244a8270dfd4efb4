// LR schedulers: each one's lr sequence over two param groups (lr 0.1 and 0.02) against PyTorch
// 1.13's (reference_values.h) and against hand-computed values, resuming from state_dict, and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <numbers>

#include "helpers.h"
#include "muse/optim/lr_scheduler.h"
#include "muse/optim/sgd.h"

using namespace muse;
using namespace muse::optim;
using namespace optim_test;

namespace {

using MakeScheduler = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;

struct TwoGroups {
  Tensor a = zeros({1}, {.requires_grad = true}), b = zeros({1}, {.requires_grad = true});
  SGD opt{std::vector<SGDGroup>{{.params = {a}}, {.params = {b}, .lr = 0.02}}, {.lr = 0.1}};
};

// get_last_lr() after construction and after each of `steps` steps, checking that the optimizer's
// groups carry the same lrs.
std::vector<double> lr_sequence(const MakeScheduler& make, int steps) {
  TwoGroups m;
  std::unique_ptr<LRScheduler> s = make(m.opt);
  std::vector<double> out;
  for (int t = 0; t <= steps; ++t) {
    if (t > 0) {
      m.opt.step();
      s->step();
    }
    CHECK(s->last_epoch() == t);
    for (size_t g = 0; g < 2; ++g) CHECK(m.opt.param_groups()[g].lr == s->get_last_lr()[g]);
    out.insert(out.end(), s->get_last_lr().begin(), s->get_last_lr().end());
  }
  return out;
}

template <class S, class Options>
MakeScheduler make(Options o) {
  return [o](Optimizer& opt) { return std::make_unique<S>(opt, o); };
}

MakeScheduler warmup_cosine() {
  return [](Optimizer& opt) -> std::unique_ptr<LRScheduler> {
    auto warmup = std::make_shared<LinearLR>(opt, LinearLROptions{.start_factor = 0.1, .total_iters = 3});
    auto decay = std::make_shared<CosineAnnealingLR>(opt, CosineAnnealingLROptions{.T_max = 5});
    return std::make_unique<SequentialLR>(opt, std::vector<std::shared_ptr<LRScheduler>>{warmup, decay},
                                          std::vector<int64_t>{3});
  };
}

MakeScheduler three_stages() {
  return [](Optimizer& opt) -> std::unique_ptr<LRScheduler> {
    std::vector<std::shared_ptr<LRScheduler>> stages = {
        std::make_shared<LinearLR>(opt, LinearLROptions{.start_factor = 0.5, .total_iters = 2}),
        std::make_shared<StepLR>(opt, StepLROptions{.step_size = 2, .gamma = 0.5}),
        std::make_shared<CosineAnnealingLR>(opt, CosineAnnealingLROptions{.T_max = 4, .eta_min = 0.005})};
    return std::make_unique<SequentialLR>(opt, stages, std::vector<int64_t>{2, 6});
  };
}

}  // namespace

TEST_CASE("LR schedulers: lr sequences against PyTorch 1.13") {
  check_close(lr_sequence(make<StepLR>(StepLROptions{.step_size = 3, .gamma = 0.5}), 10), ref::kStepLR, 1e-13);
  LinearLROptions up{.start_factor = 0.25, .end_factor = 1.0, .total_iters = 4};
  check_close(lr_sequence(make<LinearLR>(up), 8), ref::kLinearLR, 1e-13);
  check_close(lr_sequence(make<LinearLR>(LinearLROptions{}), 7), ref::kLinearLRDefault, 1e-13);
  LinearLROptions down{.start_factor = 1.0, .end_factor = 0.1, .total_iters = 3};
  check_close(lr_sequence(make<LinearLR>(down), 5), ref::kLinearLRDecay, 1e-13);
  check_close(lr_sequence(make<CosineAnnealingLR>(CosineAnnealingLROptions{.T_max = 6, .eta_min = 0.001}), 14),
              ref::kCosineLR, 1e-13);
  check_close(lr_sequence(make<LambdaLR>(LambdaLR::Lambda([](int64_t e) { return std::pow(0.9, e); })), 6),
              ref::kLambdaLR, 1e-13);
  std::vector<LambdaLR::Lambda> per_group = {[](int64_t e) { return 1.0 / double(e + 1); },
                                             [](int64_t e) { return std::pow(0.95, e); }};
  check_close(lr_sequence(make<LambdaLR>(per_group), 6), ref::kLambdaLRPerGroup, 1e-13);
  check_close(lr_sequence(warmup_cosine(), 12), ref::kWarmupCosine, 1e-13);
  check_close(lr_sequence(three_stages(), 12), ref::kThreeStages, 1e-13);
}

TEST_CASE("LR schedulers: closed forms by hand") {
  std::vector<double> step = lr_sequence(make<StepLR>(StepLROptions{.step_size = 2}), 4);  // gamma 0.1
  check_close(step, {0.1, 0.02, 0.1, 0.02, 0.01, 0.002, 0.01, 0.002, 0.001, 0.0002}, 1e-15);
  std::vector<double> cos = lr_sequence(make<CosineAnnealingLR>(CosineAnnealingLROptions{.T_max = 2}), 4);
  check_close(cos, {0.1, 0.02, 0.05, 0.01, 0, 0, 0.05, 0.01, 0.1, 0.02}, 1e-15);  // period 2 T_max
  std::vector<double> warm = lr_sequence(warmup_cosine(), 4);
  CHECK(warm[0] == doctest::Approx(0.01));  // 0.1 * start_factor
  CHECK(warm[6] == doctest::Approx(0.1));   // the cosine's epoch 0: the base lr
  CHECK(warm[8] == doctest::Approx(0.05 * (1 + std::cos(std::numbers::pi / 5))));
}

TEST_CASE("LR schedulers: initial_lr, and resuming from state_dict") {
  TwoGroups m;
  m.opt.param_groups()[0].lr = 0.5;
  CosineAnnealingLR first(m.opt, {.T_max = 10});
  CHECK(m.opt.param_groups()[0].initial_lr == 0.5);
  first.step();
  StepLR second(m.opt, {.step_size = 1});  // takes initial_lr, not the current lr, as its base
  CHECK(second.base_lrs() == std::vector<double>{0.5, 0.02});

  // Uninterrupted: 9 steps. Resumed: 4 steps, state saved, 5 more on fresh objects after loading.
  std::vector<double> straight = lr_sequence(three_stages(), 9);
  TwoGroups before;
  std::unique_ptr<LRScheduler> s = three_stages()(before.opt);
  for (int t = 0; t < 4; ++t) s->step();
  StateDict opt_state = before.opt.state_dict(), sched_state = s->state_dict();
  CHECK(sched_state.size() == 12);  // 3 own keys and 3 for each of the three stages
  TwoGroups after;
  std::unique_ptr<LRScheduler> resumed = three_stages()(after.opt);
  after.opt.load_state_dict(opt_state);
  resumed->load_state_dict(sched_state);
  CHECK(resumed->last_epoch() == 4);
  std::vector<double> tail;
  for (int t = 4; t < 9; ++t) {
    resumed->step();
    tail.insert(tail.end(), resumed->get_last_lr().begin(), resumed->get_last_lr().end());
  }
  CHECK(tail == std::vector<double>(straight.begin() + 10, straight.end()));

  StateDict bad = sched_state;
  bad[4].second = zeros({3}, {.dtype = kFloat64});  // "_schedulers.0.base_lrs"
  CHECK_ERROR(resumed->load_state_dict(bad), "SequentialLR.load_state_dict: "
      "'_schedulers.0.base_lrs' has shape (3,) and dtype float64, expected shape (2,) and dtype float64");
  CHECK(resumed->last_epoch() == 9);  // unchanged
  CHECK_ERROR(second.load_state_dict({}), "StepLR.load_state_dict: missing key 'last_epoch'");
  StateDict extra = second.state_dict();
  extra.emplace_back("gamma", zeros({}));
  CHECK_ERROR(second.load_state_dict(extra), "StepLR.load_state_dict: 'gamma' is not a key");
}

TEST_CASE("LR schedulers: option errors") {
  TwoGroups m, other;
  CHECK_ERROR(StepLR(m.opt, {}), "StepLR: step_size must be positive, got 0");
  CHECK_ERROR(StepLR(m.opt, {.step_size = 1, .gamma = -1}), "StepLR: gamma must be positive and finite, got -1");
  CHECK_ERROR(CosineAnnealingLR(m.opt, {}), "CosineAnnealingLR: T_max must be positive, got 0");
  CHECK_ERROR(CosineAnnealingLR(m.opt, {.T_max = 3, .eta_min = -1}),
              "CosineAnnealingLR: eta_min must be >= 0, got -1");
  CHECK_ERROR(LinearLR(m.opt, {.start_factor = 0}), "LinearLR: start_factor must be in (0, 1], got 0");
  CHECK_ERROR(LinearLR(m.opt, {.end_factor = 1.5}), "LinearLR: end_factor must be in [0, 1], got 1.5");
  CHECK_ERROR(LinearLR(m.opt, {.total_iters = 0}), "LinearLR: total_iters must be positive, got 0");
  CHECK_ERROR(LambdaLR(m.opt, std::vector<LambdaLR::Lambda>{[](int64_t) { return 1.0; }}),
              "LambdaLR: expected 2 lr_lambdas (one per param group), got 1");
  CHECK_ERROR(LambdaLR(m.opt, LambdaLR::Lambda()), "LambdaLR: lr_lambda 0 is empty");
  auto a = std::make_shared<StepLR>(m.opt, StepLROptions{.step_size = 2});
  auto b = std::make_shared<LinearLR>(m.opt);
  auto c = std::make_shared<LinearLR>(other.opt);
  using List = std::vector<std::shared_ptr<LRScheduler>>;
  CHECK_ERROR(SequentialLR(m.opt, List{a, b}, {}), "SequentialLR: expected 1 milestones "
                       "(one fewer than the 2 schedulers), got 0");
  CHECK_ERROR(SequentialLR(m.opt, List{a, b, a}, {3, 3}), "SequentialLR: milestones must be "
                       "positive and increasing, got 3 at position 1");
  CHECK_ERROR(SequentialLR(m.opt, List{a, c}, {3}), "SequentialLR: scheduler 1 (LinearLR) "
                       "drives a different optimizer");
  CHECK_ERROR(SequentialLR(m.opt, List{a, nullptr}, {3}), "SequentialLR: scheduler 1 is null");
  CHECK_ERROR(SequentialLR(m.opt, List{}, {}), "SequentialLR: needs at least one scheduler");
}
