// The base of every optimizer (torch.optim.Optimizer): parameter groups, each with its own learning
// rate (the one LR schedulers change), zero_grad, and the optimizer's state as named tensors with
// PyTorch's state_dict keys, for checkpoints:
//   state.<i>.<buffer>        per-parameter state (i counts parameters across groups, in order)
//   param_groups.<g>.params   int64 (n,): the indices i of group g's parameters
//   param_groups.<g>.lr       and every other hyperparameter of the group, 0-dim float64 (flags bool)
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "muse/tensor.h"

namespace muse::optim {

// Named tensors in a fixed order: what state_dict() returns and load_state_dict() takes.
using StateDict = std::vector<std::pair<std::string, Tensor>>;

// A group of parameters and the hyperparameters every optimizer has. The optimizer-specific ones
// (betas, momentum, ...) are kept by the optimizer (e.g. Adam::options(g)). Change lr freely; the
// list of parameters is fixed once the optimizer is made. (Here and in SGDGroup / AdamGroup every
// member has an initializer, so designated initializers may leave any out without a warning.)
struct ParamGroup {
  std::vector<Tensor> params = {};
  double lr = 0;
  // The lr when the first scheduler took over the group (PyTorch's group['initial_lr']): schedulers
  // compute every later lr from it.
  std::optional<double> initial_lr = {};
};

class StateReader;  // optim/state_reader.h: checked access to a StateDict while loading

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;  // schedulers keep a pointer to their optimizer
  Optimizer& operator=(const Optimizer&) = delete;

  // One update from the parameters' current .grad (parameters without a gradient are skipped).
  virtual void step() = 0;
  // Resets every parameter's gradient: undefined when set_to_none (PyTorch's default), else zeros.
  void zero_grad(bool set_to_none = true);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  std::vector<Tensor> parameters() const;  // every group's parameters, in order
  const char* name() const { return name_; }

  // A copy of the state (later steps do not change it): see the keys above.
  StateDict state_dict() const;
  // Restores a state_dict() of an optimizer of the same kind over parameters of the same shapes,
  // dtypes and devices, grouped the same way. Every key, shape and dtype is checked before anything
  // changes; a mismatch, a missing or an unexpected key is a muse::Error naming the key.
  void load_state_dict(const StateDict& dict);

 protected:
  // Checks that every parameter is a leaf that requires grad (so floating-point) and is in one group only.
  Optimizer(const char* name, std::vector<ParamGroup> groups);

  // Hooks for state_dict: append parameter i's state under prefix "state.<i>." (nothing before its
  // first step), and group g's optimizer-specific hyperparameters under "param_groups.<g>.".
  virtual void save_param_state(size_t i, const std::string& prefix, StateDict& out) const = 0;
  virtual void save_group_options(size_t g, const std::string& prefix, StateDict& out) const = 0;
  // Hook for load_state_dict: reads and checks this optimizer's keys and returns the function that
  // installs them, which runs only once every key of the dict has been checked.
  virtual std::function<void()> load_state(StateReader& reader) = 0;

  // The number of parameters over all groups, and the index of group g's first one.
  size_t num_params() const;
  size_t first_param(size_t g) const;

  const char* name_;
  std::vector<ParamGroup> groups_;
};

}  // namespace muse::optim
