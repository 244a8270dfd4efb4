// Sequential: modules applied one after another, as torch.nn.Sequential. Children are named "0", "1",
// ... in order (or given names), which gives PyTorch's state_dict keys: "0.weight", "1.running_mean".
#pragma once

#include <memory>
#include <string>

#include "muse/nn/module.h"

namespace muse::nn {

class Sequential : public Module {
 public:
  template <class... M>
  explicit Sequential(std::shared_ptr<M>... modules) : Module("Sequential") {
    (push_back(std::move(modules)), ...);
  }

  // Appends a module named by its position, or by `name`.
  void push_back(std::shared_ptr<Module> module);
  void push_back(const std::string& name, std::shared_ptr<Module> module);

  size_t size() const { return modules_.size(); }
  // The i-th module; negative i counts from the end.
  std::shared_ptr<Module> operator[](int64_t i) const;
  // The i-th module as a T, e.g. seq.at<Linear>(0)->weight; throws if it is not a T.
  template <class T>
  std::shared_ptr<T> at(int64_t i) const {
    std::shared_ptr<T> m = std::dynamic_pointer_cast<T>((*this)[i]);
    check(m != nullptr, "Sequential: module ", i, " is a ", (*this)[i]->name(), ", not the type asked for");
    return m;
  }

  // x through every module in order (an empty Sequential returns x).
  Tensor forward(const Tensor& x) override;

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace muse::nn
