// state_dict and load_state_dict with PyTorch's keys, order and error messages
// (torch.nn.Module.state_dict / load_state_dict).
#include <map>
#include <set>

#include "muse/grad_mode.h"
#include "muse/nn/module.h"

namespace muse::nn {

namespace {

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "\"" : ", \"") + k + "\"";
  return out;
}

// What is wrong with copying `source` into `target` (key `key`), or "" when nothing is.
std::string mismatch(const std::string& key, const Tensor& source, const Tensor& target) {
  if (!source.defined()) return str("undefined tensor for ", key, " in the checkpoint.");
  if (source.shape() != target.shape())
    return str("size mismatch for ", key, ": copying a param with shape ", format_sizes(source.shape()),
               " from checkpoint, the shape in current model is ", format_sizes(target.shape()), ".");
  if (source.dtype() != target.dtype())
    return str("dtype mismatch for ", key, ": copying a param of dtype ", source.dtype(),
               " from checkpoint, the dtype in current model is ", target.dtype(), ".");
  return "";
}

}  // namespace

void Module::collect_state(const std::string& prefix, StateDict& out) const {
  for (const auto& [name, t] : parameters_) out.emplace_back(prefix + name, t.detach());
  for (const auto& [name, t] : buffers_) out.emplace_back(prefix + name, t.detach());
  for (const auto& [name, child] : children_) child->collect_state(prefix + name + ".", out);
}

Module::StateDict Module::state_dict() const {
  StateDict out;
  collect_state("", out);
  return out;
}

// PyTorch reports missing keys, then unexpected keys, then each mismatch; so do we, on one line each.
void Module::load_state_dict(const StateDict& state, bool strict) {
  StateDict own = state_dict();
  std::map<std::string, const Tensor*> given;
  std::vector<std::string> duplicated, unexpected, missing, errors;
  for (const auto& [key, t] : state)
    if (!given.emplace(key, &t).second) duplicated.push_back(key);
  std::set<std::string> known;
  for (const auto& [key, t] : own) known.insert(key);
  for (const auto& [key, t] : state)
    if (!known.count(key)) unexpected.push_back(key);
  std::vector<std::pair<Tensor, const Tensor*>> copies;  // (destination, source)
  std::vector<std::string> mismatches;
  for (const auto& [key, t] : own) {
    auto it = given.find(key);
    if (it == given.end()) {
      missing.push_back(key);
      continue;
    }
    std::string problem = mismatch(key, *it->second, t);
    if (problem.empty())
      copies.emplace_back(t, it->second);
    else
      mismatches.push_back(problem);
  }
  if (strict && !missing.empty()) errors.push_back("Missing key(s) in state_dict: " + quoted_list(missing) + ".");
  if (strict && !unexpected.empty())
    errors.push_back("Unexpected key(s) in state_dict: " + quoted_list(unexpected) + ".");
  if (!duplicated.empty()) errors.push_back("Duplicate key(s) in state_dict: " + quoted_list(duplicated) + ".");
  errors.insert(errors.end(), mismatches.begin(), mismatches.end());
  if (!errors.empty()) {
    std::string message = "Error(s) in loading state_dict for " + name_ + ":";
    for (const std::string& e : errors) message += "\n\t" + e;
    throw Error(message);
  }
  NoGradGuard no_grad;
  for (auto& [target, source] : copies) target.copy_(*source);
}

}  // namespace muse::nn
