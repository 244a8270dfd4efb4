#include "muse/optim/optimizer.h"

#include <set>

#include "muse/grad_mode.h"
#include "muse/ops.h"
#include "state_dict.h"

namespace muse::optim {

Optimizer::Optimizer(const char* name, std::vector<ParamGroup> groups) : name_(name), groups_(std::move(groups)) {
  std::set<const void*> seen;
  size_t i = 0;
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      check(p.defined(), name, ": parameter ", i, " is an undefined tensor");
      check(p.is_leaf() && p.requires_grad(), name, ": parameter ", i, " (shape ", p.shape(),
            ") must be a leaf tensor that requires grad");
      check(seen.insert(p.impl().get()).second, name, ": parameter ", i,
            " appears twice (some parameters appear in more than one parameter group)");
      ++i;
    }
  }
  check(i > 0, name, ": got an empty parameter list");
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (ParamGroup& group : groups_) {
    for (Tensor& p : group.params) {
      if (set_to_none) p.mutable_grad() = Tensor();
      else if (p.grad().defined()) p.mutable_grad().zero_();
    }
  }
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> all;
  for (const ParamGroup& group : groups_) all.insert(all.end(), group.params.begin(), group.params.end());
  return all;
}

size_t Optimizer::num_params() const { return first_param(groups_.size()); }

size_t Optimizer::first_param(size_t g) const {
  size_t n = 0;
  for (size_t k = 0; k < g; ++k) n += groups_[k].params.size();
  return n;
}

namespace {

// group g's "params" entry: the indices of its parameters, first .. first + n - 1.
Tensor param_indices(size_t first, size_t n) {
  return arange(double(first), double(first + n), 1, {.dtype = kInt64});
}

}  // namespace

StateDict Optimizer::state_dict() const {
  StateDict out;
  for (size_t i = 0; i < num_params(); ++i) save_param_state(i, state_prefix(i), out);
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = group_prefix(g);
    out.emplace_back(prefix + "params", param_indices(first_param(g), groups_[g].params.size()));
    out.emplace_back(prefix + "lr", number_tensor(groups_[g].lr));
    if (groups_[g].initial_lr) out.emplace_back(prefix + "initial_lr", number_tensor(*groups_[g].initial_lr));
    save_group_options(g, prefix, out);
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& dict) {
  StateReader reader(str(name_, ".load_state_dict"), dict);
  std::vector<ParamGroup> loaded = groups_;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = group_prefix(g), key = prefix + "params";
    const int64_t n = groups_[g].params.size();
    Tensor indices = reader.tensor(key, {n}, kInt64, kCPU);
    if (!equal(indices, param_indices(first_param(g), n))) {
      reader.fail(key, "lists parameters ", indices, ", but group ", g, " of this optimizer holds ", n,
                  " parameters from index ", first_param(g));
    }
    loaded[g].lr = reader.number(prefix + "lr");
    check(loaded[g].lr >= 0, name_, ".load_state_dict: invalid learning rate ", loaded[g].lr, " in '", prefix, "lr'");
    loaded[g].initial_lr.reset();
    if (reader.has(prefix + "initial_lr")) loaded[g].initial_lr = reader.number(prefix + "initial_lr");
  }
  std::function<void()> install = load_state(reader);
  reader.check_all_read();
  groups_ = std::move(loaded);
  install();
}

}  // namespace muse::optim
