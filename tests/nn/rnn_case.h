// Running a case of rnn_reference.h (made by make_rnn_reference.py) through a muse module: its
// parameters loaded with load_state_dict under PyTorch's keys, its inputs, and the comparison of the
// outputs and of every gradient of L = sum over outputs of sum(output * upstream).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "muse/muse.h"
#include "muse/nn/module.h"
#include "reference.h"
#include "rnn_reference.h"

namespace rnn_case {

inline const rnn_reference::Entry& find(const std::vector<rnn_reference::Entry>& list, const std::string& name) {
  for (const rnn_reference::Entry& e : list)
    if (e.name == name) return e;
  FAIL("no entry named " << name);
  throw;
}

inline muse::Tensor value(const rnn_reference::Entry& e, muse::DType dtype) {
  return muse::from_vector(e.value, muse::Shape(e.shape), {.dtype = muse::kFloat64}).to(dtype);
}

// The module in dtype with the case's parameters, loaded strictly by PyTorch's key names.
inline void load(muse::nn::Module& module, const rnn_reference::Case& c, muse::DType dtype) {
  module.to(dtype);
  muse::nn::Module::StateDict state;
  for (const rnn_reference::Entry& e : c.params) state.emplace_back(e.name, value(e, dtype));
  module.load_state_dict(state);
}

// A case input as a leaf in dtype (requiring grad when PyTorch computed its gradient).
inline muse::Tensor input(const rnn_reference::Case& c, const std::string& name, muse::DType dtype) {
  const rnn_reference::Entry& e = find(c.tensors, name);
  return value(e, dtype).requires_grad_(!e.grad.empty());
}

// Compares the outputs, runs the backward of sum(output * upstream) and compares the gradients of the
// inputs and of the module's parameters.
inline void check(const rnn_reference::Case& c, const muse::nn::Module* module,
                  const std::vector<std::pair<std::string, muse::Tensor>>& inputs,
                  const std::vector<std::pair<std::string, muse::Tensor>>& outputs, double tol) {
  muse::Tensor loss;
  for (const auto& [name, y] : outputs) {
    CAPTURE(name);
    const rnn_reference::Entry& e = find(c.tensors, name);
    CHECK(y.shape() == muse::Shape(e.shape));
    check_close(y, e.value, tol);
    muse::Tensor upstream = muse::from_vector(e.grad, muse::Shape(e.shape), {.dtype = muse::kFloat64});
    muse::Tensor term = (y * upstream.to(y.dtype())).sum();
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();
  for (const auto& [name, x] : inputs) {
    CAPTURE(name);
    if (x.defined() && x.requires_grad()) check_close(x.grad(), find(c.tensors, name).grad, tol);
  }
  if (!module) return;
  for (const auto& [name, p] : module->named_parameters()) {
    CAPTURE(name);
    check_close(p.grad(), find(c.params, name).grad, tol);
  }
}

}  // namespace rnn_case
