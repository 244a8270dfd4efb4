// Module: registration of parameters, buffers and children; traversal; train/eval; zero_grad; to(dtype).
// state_dict is in state_dict.cpp, printing in repr.cpp.
#include "muse/nn/module.h"

#include <functional>
#include <unordered_set>

#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse::nn {

namespace {

// Drops every entry whose tensor (by identity) appeared earlier.
Module::Named<Tensor> unique(Module::Named<Tensor> list) {
  std::unordered_set<const void*> seen;
  Module::Named<Tensor> out;
  for (auto& entry : list)
    if (seen.insert(entry.second.impl().get()).second) out.push_back(std::move(entry));
  return out;
}

std::vector<Tensor> values(const Module::Named<Tensor>& list) {
  std::vector<Tensor> out;
  out.reserve(list.size());
  for (const auto& entry : list) out.push_back(entry.second);
  return out;
}

}  // namespace

Module::Module(std::string name) : name_(std::move(name)) {}

Tensor Module::forward(const Tensor&) {
  throw Error(str(label(), ": this module does not implement forward(const Tensor&); call its own methods"));
}

std::string Module::label() const { return name_ + "(" + extra_repr() + ")"; }

// ---- registration ----

void Module::check_new_name(const char* what, const std::string& name) const {
  check(!name.empty() && name.find('.') == std::string::npos, name_, ": ", what, ": name \"", name,
        "\" must be non-empty and contain no '.'");
  bool taken = false;
  for (const auto& entry : parameters_) taken = taken || entry.first == name;
  for (const auto& entry : buffers_) taken = taken || entry.first == name;
  for (const auto& entry : children_) taken = taken || entry.first == name;
  check(!taken, name_, ": ", what, ": a parameter, buffer or module named \"", name, "\" already exists");
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool requires_grad) {
  check_new_name("register_parameter", name);
  check(tensor.defined(), name_, ": register_parameter: parameter \"", name, "\" is an undefined tensor");
  check(tensor.is_floating_point(), name_, ": register_parameter: parameter \"", name,
        "\" must be float32 or float64, got ", tensor.dtype());
  check(tensor.is_leaf(), name_, ": register_parameter: parameter \"", name,
        "\" is the output of an op; register a leaf (detach() it)");
  tensor.requires_grad_(requires_grad);
  parameters_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  check_new_name("register_buffer", name);
  check(tensor.defined(), name_, ": register_buffer: buffer \"", name, "\" is an undefined tensor");
  buffers_.emplace_back(name, tensor);
  return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name("register_module", name);
  check(module != nullptr, name_, ": register_module: module \"", name, "\" is null");
  children_.emplace_back(name, std::move(module));
}

// ---- traversal ----

void Module::collect(bool parameters, const std::string& prefix, bool recurse, Named<Tensor>& out) const {
  for (const auto& [name, t] : parameters ? parameters_ : buffers_) out.emplace_back(prefix + name, t);
  if (!recurse) return;
  for (const auto& [name, child] : children_) child->collect(parameters, prefix + name + ".", true, out);
}

Module::Named<Tensor> Module::named_parameters(bool recurse) const {
  Named<Tensor> out;
  collect(true, "", recurse, out);
  return unique(std::move(out));
}

Module::Named<Tensor> Module::named_buffers(bool recurse) const {
  Named<Tensor> out;
  collect(false, "", recurse, out);
  return unique(std::move(out));
}

std::vector<Tensor> Module::parameters(bool recurse) const { return values(named_parameters(recurse)); }
std::vector<Tensor> Module::buffers(bool recurse) const { return values(named_buffers(recurse)); }

Module::Named<std::shared_ptr<Module>> Module::named_children() const { return children_; }

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& entry : children_) out.push_back(entry.second);
  return out;
}

Module::Named<std::shared_ptr<Module>> Module::named_modules() {
  std::shared_ptr<Module> self = weak_from_this().lock();
  check(self != nullptr, label(), ": modules() needs the module to be held by a std::shared_ptr (make_shared)");
  Named<std::shared_ptr<Module>> out{{"", self}};
  std::unordered_set<const Module*> seen{this};
  std::function<void(const Module&, const std::string&)> visit = [&](const Module& m, const std::string& prefix) {
    for (const auto& [name, child] : m.children_) {
      if (!seen.insert(child.get()).second) continue;
      out.emplace_back(prefix + name, child);
      visit(*child, prefix + name + ".");
    }
  };
  visit(*this, "");
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules() {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& entry : named_modules()) out.push_back(std::move(entry.second));
  return out;
}

// ---- modes and whole-module updates ----

void Module::train(bool on) {
  training_ = on;
  for (const auto& entry : children_) entry.second->train(on);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (Tensor p : parameters()) {
    if (set_to_none)
      p.mutable_grad() = Tensor();
    else if (p.grad().defined())
      p.mutable_grad().zero_();
  }
}

Module& Module::to(DType dtype) {
  check(is_floating(dtype), label(), ": to() converts floating-point parameters and buffers, so it needs ",
        "float32 or float64, got ", dtype);
  NoGradGuard no_grad;
  std::vector<Tensor> all = parameters();
  for (const Tensor& b : buffers()) all.push_back(b);
  for (Tensor& t : all) {
    if (!t.is_floating_point() || t.dtype() == dtype) continue;
    t.set_data(t.detach().to(dtype));
    if (t.grad().defined()) t.mutable_grad() = t.grad().to(dtype);
  }
  return *this;
}

Module& Module::to(Device device) {
  NoGradGuard no_grad;
  std::vector<Tensor> all = parameters();
  for (const Tensor& b : buffers()) all.push_back(b);  // int64 ones too (num_batches_tracked)
  for (Tensor& t : all) {
    if (t.device() == device) continue;
    t.set_data(t.detach().to(device));
    if (t.grad().defined()) t.mutable_grad() = t.grad().to(device);
  }
  return *this;
}

}  // namespace muse::nn
