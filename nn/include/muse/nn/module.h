// Module: the base of every layer and model, as torch.nn.Module. A module owns named parameters (the
// tensors an optimizer trains), named buffers (state that is saved but not trained, such as
// BatchNorm's running statistics) and named child modules. Their dotted names ("encoder.fc.weight")
// are the keys of state_dict(), in PyTorch's order, so checkpoints line up with PyTorch's.
// Modules are held by std::shared_ptr, as in PyTorch's C++ frontend:
//   auto net = std::make_shared<Sequential>(std::make_shared<Linear>(784, 10), std::make_shared<ReLU>());
// Reference: https://pytorch.org/docs/stable/generated/torch.nn.Module.html
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "muse/tensor.h"

namespace muse::nn {

class Module : public std::enable_shared_from_this<Module> {
 public:
  template <class T>
  using Named = std::vector<std::pair<std::string, T>>;
  // Parameters and buffers by dotted name, detached but sharing storage with the module's tensors.
  using StateDict = Named<Tensor>;

  // name is the class name that printing and error messages show ("Linear").
  explicit Module(std::string name);
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& name() const { return name_; }

  // The computation of a module with one input and one output. Modules with other signatures define
  // their own methods (e.g. forward(x, h)) and leave this one, which throws, alone.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }
  // The arguments shown between the parentheses when printing: "in_features=784, out_features=512, ...".
  virtual std::string extra_repr() const { return {}; }

  // Registration. Names are non-empty, contain no '.', and are unique within this module.
  // A parameter must be floating-point; it is made to require grad (unless requires_grad is false).
  // Each returns its argument, so a layer writes  weight = register_parameter("weight", ...).
  Tensor register_parameter(const std::string& name, Tensor tensor, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor tensor);
  template <class T>
  std::shared_ptr<T> register_module(const std::string& name, std::shared_ptr<T> module) {
    static_assert(std::is_base_of_v<Module, T>, "register_module: T must derive from muse::nn::Module");
    add_child(name, module);
    return module;
  }

  // Traversal in registration order, children depth first. A tensor or module reachable twice is
  // listed once, as in PyTorch.
  std::vector<Tensor> parameters(bool recurse = true) const;
  Named<Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  Named<Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  Named<std::shared_ptr<Module>> named_children() const;
  // This module (named "") and every descendant; needs this module to be held by a shared_ptr.
  std::vector<std::shared_ptr<Module>> modules();
  Named<std::shared_ptr<Module>> named_modules();

  // Training mode (the default) or evaluation mode, for this module and every descendant; Dropout and
  // BatchNorm behave differently in each.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Clears every parameter's gradient: undefined when set_to_none (PyTorch's default), else zeros.
  void zero_grad(bool set_to_none = true);
  // Converts every floating-point parameter, gradient and buffer to dtype in place: the tensors that
  // layers and optimizers hold see the new data (int64 buffers such as num_batches_tracked stay).
  Module& to(DType dtype);
  // Moves every parameter and buffer (and any gradient) to device, in place, as module.to(device).
  Module& to(Device device);

  // PyTorch's order: this module's parameters, then its buffers, then each child's entries under
  // "child_name.".
  StateDict state_dict() const;
  // Copies each value into the module's tensor of the same name (no graph is recorded). A shape or
  // dtype mismatch is an error; with strict, so are missing and unexpected keys. Everything is checked
  // before anything is copied, so a failed load leaves the module as it was.
  void load_state_dict(const StateDict& state, bool strict = true);

  // The printed module (PyTorch's repr) with each submodule's parameter count beside it, then the
  // total, trainable and non-trainable counts.
  std::string summary() const;

 protected:
  // "Name(extra_repr)": how layers name themselves in error messages.
  std::string label() const;

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const char* what, const std::string& name) const;
  // Appends this module's own parameters (or buffers) under prefix, then, if recurse, its children's.
  void collect(bool parameters, const std::string& prefix, bool recurse, Named<Tensor>& out) const;
  // Appends this module's state_dict entries under prefix.
  void collect_state(const std::string& prefix, StateDict& out) const;

  std::string name_;
  bool training_ = true;
  Named<Tensor> parameters_;
  Named<Tensor> buffers_;
  Named<std::shared_ptr<Module>> children_;
};

// PyTorch's repr: "Sequential(\n  (0): Linear(in_features=784, out_features=512, bias=True)\n  ...\n)".
std::ostream& operator<<(std::ostream& out, const Module& module);
std::string repr(const Module& module);

// Python's spelling of values, for extra_repr(): 1e-05, 0.1, 1.0; True / False; sizes as [3, 4].
std::string format_float(double value);
std::string format_bool(bool value);
std::string format_sizes(const Shape& shape);

}  // namespace muse::nn
