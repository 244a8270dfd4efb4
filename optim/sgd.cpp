#include "muse/optim/sgd.h"

#include "groups.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"
#include "state_dict.h"

namespace muse::optim {
namespace {

SGDOptions resolve(const SGDGroup& g, const SGDOptions& d) {
  return {.lr = g.lr.value_or(d.lr), .momentum = g.momentum.value_or(d.momentum),
          .dampening = g.dampening.value_or(d.dampening), .weight_decay = g.weight_decay.value_or(d.weight_decay),
          .nesterov = g.nesterov.value_or(d.nesterov)};
}

// Messages read "<head>: invalid momentum -1<tail>".
void check_options(const SGDOptions& o, const std::string& head, const std::string& tail) {
  check(o.lr >= 0, head, ": invalid learning rate ", o.lr, tail);
  check(o.momentum >= 0, head, ": invalid momentum ", o.momentum, tail);
  check(o.weight_decay >= 0, head, ": invalid weight_decay ", o.weight_decay, tail);
  check(!o.nesterov || (o.momentum > 0 && o.dampening == 0), head,
        ": nesterov momentum requires a momentum and zero dampening", tail);
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, SGDOptions defaults)
    : SGD(std::vector<SGDGroup>{{.params = std::move(params)}}, defaults) {}

SGD::SGD(std::vector<SGDGroup> groups, SGDOptions defaults)
    : Optimizer("SGD", param_groups_of(groups, defaults)), momentum_buffers_(num_params()) {
  for (size_t g = 0; g < groups.size(); ++g) {
    options_.push_back(resolve(groups[g], defaults));
    check_options(options_[g], "SGD", in_group(g, groups.size()));
  }
}

SGDOptions SGD::options(size_t g) const {
  check(g < groups_.size(), "SGD: no param group ", g, " (there are ", groups_.size(), ")");
  SGDOptions o = options_[g];
  o.lr = groups_[g].lr;
  return o;
}

void SGD::step() {
  NoGradGuard no_grad;
  size_t i = 0;
  for (size_t k = 0; k < groups_.size(); ++k) {
    const SGDOptions o = options(k);
    for (Tensor& p : groups_[k].params) {
      Tensor& b = momentum_buffers_[i++];
      if (!p.grad().defined()) continue;
      Tensor g = p.grad();
      if (o.weight_decay != 0) g = g + o.weight_decay * p;
      if (o.momentum != 0) {
        if (!b.defined()) b = g.clone();
        else b.mul_(o.momentum).add_(g, 1 - o.dampening);
        g = o.nesterov ? g + o.momentum * b : b;
      }
      p.add_(g, -o.lr);
    }
  }
}

void SGD::save_param_state(size_t i, const std::string& prefix, StateDict& out) const {
  if (momentum_buffers_[i].defined()) out.emplace_back(prefix + "momentum_buffer", momentum_buffers_[i].clone());
}

void SGD::save_group_options(size_t g, const std::string& prefix, StateDict& out) const {
  const SGDOptions& o = options_[g];
  out.emplace_back(prefix + "momentum", number_tensor(o.momentum));
  out.emplace_back(prefix + "dampening", number_tensor(o.dampening));
  out.emplace_back(prefix + "weight_decay", number_tensor(o.weight_decay));
  out.emplace_back(prefix + "nesterov", flag_tensor(o.nesterov));
}

std::function<void()> SGD::load_state(StateReader& reader) {
  std::vector<SGDOptions> options(groups_.size());
  std::vector<Tensor> buffers(num_params());
  size_t i = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = group_prefix(g);
    SGDOptions& o = options[g];
    o.momentum = reader.number(prefix + "momentum");
    o.dampening = reader.number(prefix + "dampening");
    o.weight_decay = reader.number(prefix + "weight_decay");
    o.nesterov = reader.flag(prefix + "nesterov");
    check_options(o, "SGD.load_state_dict", str(" in '", prefix, "*'"));
    for (const Tensor& p : groups_[g].params) {
      const std::string key = state_prefix(i) + "momentum_buffer";
      if (reader.has(key)) buffers[i] = reader.tensor(key, p.shape(), p.dtype(), p.device());
      ++i;
    }
  }
  return [this, options = std::move(options), buffers = std::move(buffers)]() mutable {
    options_ = std::move(options);
    momentum_buffers_ = std::move(buffers);
  };
}

}  // namespace muse::optim
