#include "muse/nn/sequential.h"

namespace muse::nn {

void Sequential::push_back(std::shared_ptr<Module> module) { push_back(std::to_string(size()), std::move(module)); }

void Sequential::push_back(const std::string& name, std::shared_ptr<Module> module) {
  modules_.push_back(register_module(name, std::move(module)));
}

std::shared_ptr<Module> Sequential::operator[](int64_t i) const {
  int64_t n = static_cast<int64_t>(size());
  check(i >= -n && i < n, "Sequential: index ", i, " is out of range for ", n, " modules");
  return modules_[i < 0 ? i + n : i];
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& m : modules_) y = m->forward(y);
  return y;
}

}  // namespace muse::nn
