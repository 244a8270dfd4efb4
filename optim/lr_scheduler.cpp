#include "muse/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "muse/ops.h"
#include "state_dict.h"

namespace muse::optim {

// ---- the base: epochs, lrs and state ----

LRScheduler::LRScheduler(const char* name, Optimizer& optimizer) : name_(name), optimizer_(&optimizer) {
  for (ParamGroup& group : optimizer.param_groups()) {
    if (!group.initial_lr) group.initial_lr = group.lr;
    base_lrs_.push_back(*group.initial_lr);
  }
}

void LRScheduler::step() { set_epoch(last_epoch_ + 1); }

void LRScheduler::set_epoch(int64_t epoch) {
  last_epoch_ = epoch;
  std::vector<ParamGroup>& groups = optimizer_->param_groups();
  last_lr_.resize(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) groups[g].lr = last_lr_[g] = lr_at(epoch, g);
}

namespace {

Tensor lrs_tensor(const std::vector<double>& lrs) {
  return from_vector(lrs, {int64_t(lrs.size())}, {.dtype = kFloat64});
}

}  // namespace

void LRScheduler::save(const std::string& prefix, StateDict& out) const {
  out.emplace_back(prefix + "last_epoch", scalar_tensor(double(last_epoch_), {.dtype = kInt64}));
  out.emplace_back(prefix + "base_lrs", lrs_tensor(base_lrs_));
  out.emplace_back(prefix + "_last_lr", lrs_tensor(last_lr_));
}

std::function<void()> LRScheduler::load(StateReader& reader, const std::string& prefix) {
  const int64_t epoch = reader.integer(prefix + "last_epoch");
  if (epoch < -1) reader.fail(prefix + "last_epoch", "holds ", epoch, ", expected an epoch >= -1");
  const int64_t n = base_lrs_.size();
  std::vector<double> base = reader.tensor(prefix + "base_lrs", {n}, kFloat64, kCPU).to_vector<double>();
  std::vector<double> last = reader.tensor(prefix + "_last_lr", {n}, kFloat64, kCPU).to_vector<double>();
  return [this, epoch, base = std::move(base), last = std::move(last)]() mutable {
    last_epoch_ = epoch;
    base_lrs_ = std::move(base);
    last_lr_ = std::move(last);
  };
}

StateDict LRScheduler::state_dict() const {
  StateDict out;
  save("", out);
  return out;
}

void LRScheduler::load_state_dict(const StateDict& dict) {
  StateReader reader(str(name_, ".load_state_dict"), dict);
  std::function<void()> install = load(reader, "");
  reader.check_all_read();
  install();
}

// ---- the schedules ----

StepLR::StepLR(Optimizer& optimizer, StepLROptions o) : LRScheduler("StepLR", optimizer), options_(o) {
  check(o.step_size > 0, "StepLR: step_size must be positive, got ", o.step_size);
  check(o.gamma > 0 && std::isfinite(o.gamma), "StepLR: gamma must be positive and finite, got ", o.gamma);
  initial_step();
}

double StepLR::lr_at(int64_t t, size_t g) const {
  return base_lrs_[g] * std::pow(options_.gamma, double(t / options_.step_size));
}

LinearLR::LinearLR(Optimizer& optimizer, LinearLROptions o) : LRScheduler("LinearLR", optimizer), options_(o) {
  check(o.start_factor > 0 && o.start_factor <= 1, "LinearLR: start_factor must be in (0, 1], got ", o.start_factor);
  check(o.end_factor >= 0 && o.end_factor <= 1, "LinearLR: end_factor must be in [0, 1], got ", o.end_factor);
  check(o.total_iters > 0, "LinearLR: total_iters must be positive, got ", o.total_iters);
  initial_step();
}

double LinearLR::lr_at(int64_t t, size_t g) const {
  const LinearLROptions& o = options_;
  return base_lrs_[g] * (o.start_factor + (o.end_factor - o.start_factor) * double(std::min(o.total_iters, t)) /
                                              double(o.total_iters));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions o)
    : LRScheduler("CosineAnnealingLR", optimizer), options_(o) {
  check(o.T_max > 0, "CosineAnnealingLR: T_max must be positive, got ", o.T_max);
  check(o.eta_min >= 0, "CosineAnnealingLR: eta_min must be >= 0, got ", o.eta_min);
  initial_step();
}

double CosineAnnealingLR::lr_at(int64_t t, size_t g) const {
  const double eta_min = options_.eta_min;
  return eta_min + (base_lrs_[g] - eta_min) * (1 + std::cos(std::numbers::pi * double(t) / double(options_.T_max))) / 2;
}

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda)) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
    : LRScheduler("LambdaLR", optimizer), lambdas_(std::move(lr_lambdas)) {
  check(lambdas_.size() == base_lrs_.size(), "LambdaLR: expected ", base_lrs_.size(),
        " lr_lambdas (one per param group), got ", lambdas_.size());
  for (size_t g = 0; g < lambdas_.size(); ++g) check(bool(lambdas_[g]), "LambdaLR: lr_lambda ", g, " is empty");
  initial_step();
}

double LambdaLR::lr_at(int64_t t, size_t g) const { return base_lrs_[g] * lambdas_[g](t); }

// ---- SequentialLR ----

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler("SequentialLR", optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  check(!schedulers_.empty(), "SequentialLR: needs at least one scheduler");
  check(milestones_.size() + 1 == schedulers_.size(), "SequentialLR: expected ", schedulers_.size() - 1,
        " milestones (one fewer than the ", schedulers_.size(), " schedulers), got ", milestones_.size());
  for (size_t k = 0; k < schedulers_.size(); ++k) {
    check(schedulers_[k] != nullptr, "SequentialLR: scheduler ", k, " is null");
    check(&schedulers_[k]->optimizer() == &optimizer, "SequentialLR: scheduler ", k, " (",
          schedulers_[k]->name(), ") drives a different optimizer");
  }
  for (size_t k = 0; k < milestones_.size(); ++k) {
    check(milestones_[k] > (k > 0 ? milestones_[k - 1] : 0), "SequentialLR: milestones must be positive and "
          "increasing, got ", milestones_[k], " at position ", k);
  }
  // The later schedulers have not started: undo the epoch 0 their constructors set.
  for (size_t k = 1; k < schedulers_.size(); ++k) schedulers_[k]->last_epoch_ = -1;
  initial_step();
}

std::pair<LRScheduler*, int64_t> SequentialLR::at(int64_t t) const {
  size_t k = std::upper_bound(milestones_.begin(), milestones_.end(), t) - milestones_.begin();
  return {schedulers_[k].get(), k > 0 ? t - milestones_[k - 1] : t};
}

void SequentialLR::set_epoch(int64_t epoch) {
  auto [scheduler, local] = at(epoch);
  scheduler->set_epoch(local);
  last_epoch_ = epoch;
  last_lr_ = scheduler->last_lr_;
}

double SequentialLR::lr_at(int64_t t, size_t g) const {
  auto [scheduler, local] = at(t);
  return scheduler->lr_at(local, g);
}

void SequentialLR::save(const std::string& prefix, StateDict& out) const {
  LRScheduler::save(prefix, out);
  for (size_t k = 0; k < schedulers_.size(); ++k) schedulers_[k]->save(str(prefix, "_schedulers.", k, "."), out);
}

std::function<void()> SequentialLR::load(StateReader& reader, const std::string& prefix) {
  std::vector<std::function<void()>> installs = {LRScheduler::load(reader, prefix)};
  for (size_t k = 0; k < schedulers_.size(); ++k) {
    installs.push_back(schedulers_[k]->load(reader, str(prefix, "_schedulers.", k, ".")));
  }
  return [installs = std::move(installs)] {
    for (const auto& install : installs) install();
  };
}

}  // namespace muse::optim
