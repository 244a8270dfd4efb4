// Learning-rate schedulers with PyTorch's names and values (torch.optim.lr_scheduler). Each one sets
// the lr of every param group of its optimizer from the epoch t and the group's initial_lr ("base",
// the group's lr when the first scheduler took it over), in closed form:
//   StepLR             lr = base * gamma^floor(t / step_size)
//   LinearLR           lr = base * (start + (end - start) * min(t, total_iters) / total_iters)
//   CosineAnnealingLR  lr = eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2
//   LambdaLR           lr = base * f(t)
//   SequentialLR       from milestone k-1 on, scheduler k runs at epoch t - milestone[k-1]
// Making a scheduler sets epoch 0's lr; call step() after each optimizer.step() (once per epoch or
// per iteration, as the schedule is meant). PyTorch computes most of these recursively from the
// current lr; the closed form gives the same values (to rounding) as long as only this scheduler
// changes the lr, and does not drift. Warm-up then cosine decay over 100 epochs:
//   auto warmup = std::make_shared<LinearLR>(opt, LinearLROptions{.start_factor = 0.01, .total_iters = 5});
//   auto decay = std::make_shared<CosineAnnealingLR>(opt, CosineAnnealingLROptions{.T_max = 95});
//   SequentialLR sched(opt, {warmup, decay}, {5});
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "muse/optim/optimizer.h"

namespace muse::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Moves to the next epoch and sets every group's lr for it.
  void step();
  const std::vector<double>& get_last_lr() const { return last_lr_; }  // one lr per group
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return *optimizer_; }
  const char* name() const { return name_; }

  // "last_epoch" (0-dim int64), "base_lrs" and "_last_lr" (float64, one per group); SequentialLR adds
  // each scheduler's under "_schedulers.<k>.". Loading, as in PyTorch, leaves the optimizer's lr
  // alone (its own state_dict restores that); a wrong key, shape or dtype is a muse::Error naming it.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 protected:
  // Sets a missing initial_lr of each group to its lr, and takes the initial_lrs as base_lrs.
  LRScheduler(const char* name, Optimizer& optimizer);
  // Derived constructors call this last (it needs lr_at): epoch 0.
  void initial_step() { set_epoch(0); }
  virtual void set_epoch(int64_t epoch);
  // The lr of group g at epoch t.
  virtual double lr_at(int64_t t, size_t g) const = 0;
  virtual void save(const std::string& prefix, StateDict& out) const;
  virtual std::function<void()> load(StateReader& reader, const std::string& prefix);

  const char* name_;
  Optimizer* optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  std::vector<double> last_lr_;

  friend class SequentialLR;  // drives the schedulers it chains
};

struct StepLROptions {
  int64_t step_size = 0;  // required: epochs between decays
  double gamma = 0.1;
};
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, StepLROptions options);

 protected:
  double lr_at(int64_t t, size_t g) const override;

 private:
  StepLROptions options_;
};

struct LinearLROptions {
  double start_factor = 1.0 / 3;  // in (0, 1]
  double end_factor = 1.0;        // in [0, 1]
  int64_t total_iters = 5;
};
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, LinearLROptions options = {});

 protected:
  double lr_at(int64_t t, size_t g) const override;

 private:
  LinearLROptions options_;
};

struct CosineAnnealingLROptions {
  int64_t T_max = 0;  // required: epochs from base down to eta_min (PyTorch's name)
  double eta_min = 0;
};
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options);

 protected:
  double lr_at(int64_t t, size_t g) const override;

 private:
  CosineAnnealingLROptions options_;
};

// lr = base * lr_lambda(t): one function for every group, or one per group.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 protected:
  double lr_at(int64_t t, size_t g) const override;

 private:
  std::vector<Lambda> lambdas_;
};

// Runs schedulers[0] until milestones[0], then schedulers[1] from its own epoch 0, and so on.
// milestones: one fewer than schedulers, positive and increasing; every scheduler drives optimizer.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);

 protected:
  void set_epoch(int64_t epoch) override;
  double lr_at(int64_t t, size_t g) const override;
  void save(const std::string& prefix, StateDict& out) const override;
  std::function<void()> load(StateReader& reader, const std::string& prefix) override;

 private:
  // The scheduler that runs at epoch t, and its own epoch there.
  std::pair<LRScheduler*, int64_t> at(int64_t t) const;

  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

}  // namespace muse::optim
