// Adam and AdamW: option handling, lazy state, checkpoints, and the call to the fused kernel.
// This is the one file of optim/ that reaches below the public API: it hands the parameter and its
// state to Backend::adam as raw arrays (a fused update has no autograd op to go through).
#include "muse/optim/adam.h"

#include <cmath>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "groups.h"
#include "muse/ops.h"
#include "state_dict.h"

namespace muse::optim {
namespace {

AdamOptions resolve(const AdamGroup& g, const AdamOptions& d) {
  return {.lr = g.lr.value_or(d.lr), .beta1 = g.beta1.value_or(d.beta1), .beta2 = g.beta2.value_or(d.beta2),
          .eps = g.eps.value_or(d.eps), .weight_decay = g.weight_decay.value_or(d.weight_decay),
          .amsgrad = g.amsgrad.value_or(d.amsgrad)};
}

// Messages read "<head>: invalid beta1 1.5 (expected 0 <= beta1 < 1)<tail>".
void check_options(const AdamOptions& o, const std::string& head, const std::string& tail) {
  check(o.lr >= 0, head, ": invalid learning rate ", o.lr, tail);
  check(o.eps >= 0, head, ": invalid eps ", o.eps, tail);
  check(o.beta1 >= 0 && o.beta1 < 1, head, ": invalid beta1 ", o.beta1, " (expected 0 <= beta1 < 1)", tail);
  check(o.beta2 >= 0 && o.beta2 < 1, head, ": invalid beta2 ", o.beta2, " (expected 0 <= beta2 < 1)", tail);
  check(o.weight_decay >= 0, head, ": invalid weight_decay ", o.weight_decay, tail);
}

AdamOptions adam_options(const AdamWOptions& o) {
  return {.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2, .eps = o.eps, .weight_decay = o.weight_decay,
          .amsgrad = o.amsgrad};
}

std::vector<AdamGroup> one_group(std::vector<Tensor> params) { return {{.params = std::move(params)}}; }

}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions defaults)
    : Adam("Adam", false, one_group(std::move(params)), defaults) {}

Adam::Adam(std::vector<AdamGroup> groups, AdamOptions defaults) : Adam("Adam", false, std::move(groups), defaults) {}

Adam::Adam(const char* name, bool decoupled, std::vector<AdamGroup> groups, AdamOptions defaults)
    : Optimizer(name, param_groups_of(groups, defaults)), decoupled_(decoupled), state_(num_params()) {
  for (size_t g = 0; g < groups.size(); ++g) {
    options_.push_back(resolve(groups[g], defaults));
    check_options(options_[g], name, in_group(g, groups.size()));
  }
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions defaults)
    : Adam("AdamW", true, one_group(std::move(params)), adam_options(defaults)) {}

AdamW::AdamW(std::vector<AdamGroup> groups, AdamWOptions defaults)
    : Adam("AdamW", true, std::move(groups), adam_options(defaults)) {}

AdamOptions Adam::options(size_t g) const {
  check(g < groups_.size(), name_, ": no param group ", g, " (there are ", groups_.size(), ")");
  AdamOptions o = options_[g];
  o.lr = groups_[g].lr;
  return o;
}

void Adam::step() {
  size_t i = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const AdamOptions o = options(g);
    for (Tensor& p : groups_[g].params) {
      State& s = state_[i];
      if (p.grad().defined()) {
        const Tensor& grad = p.grad();
        check(grad.shape() == p.shape() && grad.dtype() == p.dtype() && grad.device() == p.device(), name_,
              ": the gradient of parameter ", i, " is ", grad.shape(), " ", grad.dtype(), " on ", grad.device(),
              ", but the parameter is ", p.shape(), " ", p.dtype(), " on ", p.device());
        update(p, s, o);
      }
      ++i;
    }
  }
}

// One fused step of parameter p (any strides; its gradient and state are contiguous or made so).
void Adam::update(Tensor& p, State& s, const AdamOptions& o) {
  if (s.step == 0) {
    s.exp_avg = zeros_like(p);
    s.exp_avg_sq = zeros_like(p);
  }
  if (o.amsgrad && !s.max_exp_avg_sq.defined()) s.max_exp_avg_sq = zeros_like(p);
  s.step += 1;
  const double t = static_cast<double>(s.step);
  const AdamParams a{.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2, .eps = o.eps, .weight_decay = o.weight_decay,
                     .bias_correction1 = 1 - std::pow(o.beta1, t), .bias_correction2 = 1 - std::pow(o.beta2, t),
                     .decoupled = decoupled_, .amsgrad = o.amsgrad};
  Array& param = p.impl()->data;
  param.storage->version += 1;  // an in-place write, like Tensor::add_
  Array work = contiguous_array(param);
  Backend& b = backend_of(p);
  b.adam(work, contiguous_array(p.grad()), array(s.exp_avg), array(s.exp_avg_sq),
         o.amsgrad ? array(s.max_exp_avg_sq) : Array{}, a);
  if (work.storage != param.storage) b.copy(work, param);
}

void Adam::save_param_state(size_t i, const std::string& prefix, StateDict& out) const {
  const State& s = state_[i];
  if (s.step == 0) return;
  out.emplace_back(prefix + "step", scalar_tensor(static_cast<double>(s.step)));  // float32, as PyTorch
  out.emplace_back(prefix + "exp_avg", s.exp_avg.clone());
  out.emplace_back(prefix + "exp_avg_sq", s.exp_avg_sq.clone());
  if (s.max_exp_avg_sq.defined()) out.emplace_back(prefix + "max_exp_avg_sq", s.max_exp_avg_sq.clone());
}

void Adam::save_group_options(size_t g, const std::string& prefix, StateDict& out) const {
  const AdamOptions& o = options_[g];
  out.emplace_back(prefix + "betas", tensor({o.beta1, o.beta2}, {.dtype = kFloat64}));
  out.emplace_back(prefix + "eps", number_tensor(o.eps));
  out.emplace_back(prefix + "weight_decay", number_tensor(o.weight_decay));
  out.emplace_back(prefix + "amsgrad", flag_tensor(o.amsgrad));
}

std::function<void()> Adam::load_state(StateReader& reader) {
  std::vector<AdamOptions> options(groups_.size());
  std::vector<State> state(num_params());
  size_t i = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = group_prefix(g);
    AdamOptions& o = options[g];
    Tensor betas = reader.tensor(prefix + "betas", {2}, kFloat64, kCPU);
    o.beta1 = betas[0].item();
    o.beta2 = betas[1].item();
    o.eps = reader.number(prefix + "eps");
    o.weight_decay = reader.number(prefix + "weight_decay");
    o.amsgrad = reader.flag(prefix + "amsgrad");
    check_options(o, str(name_, ".load_state_dict"), str(" in '", prefix, "*'"));
    for (const Tensor& p : groups_[g].params) {
      const std::string key = state_prefix(i);
      State& s = state[i++];
      if (!reader.has(key + "step")) continue;
      s.step = reader.count(key + "step");
      s.exp_avg = reader.tensor(key + "exp_avg", p.shape(), p.dtype(), p.device());
      s.exp_avg_sq = reader.tensor(key + "exp_avg_sq", p.shape(), p.dtype(), p.device());
      if (o.amsgrad || reader.has(key + "max_exp_avg_sq")) {
        s.max_exp_avg_sq = reader.tensor(key + "max_exp_avg_sq", p.shape(), p.dtype(), p.device());
      }
    }
  }
  return [this, options = std::move(options), state = std::move(state)]() mutable {
    options_ = std::move(options);
    state_ = std::move(state);
  };
}

}  // namespace muse::optim
