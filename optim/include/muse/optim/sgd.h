// Stochastic gradient descent with PyTorch's semantics (torch.optim.SGD). For each parameter p with
// gradient g, at step t:
//   g <- g + weight_decay * p
//   b <- g                                   (t = 1)
//   b <- momentum * b + (1 - dampening) * g  (t > 1)
//   g <- nesterov ? g + momentum * b : b     (when momentum != 0)
//   p <- p - lr * g
// state_dict keys: per parameter "momentum_buffer" b (once momentum has been used); per group
// "momentum", "dampening", "weight_decay" (float64) and "nesterov" (bool).
#pragma once

#include <optional>

#include "muse/optim/optimizer.h"

namespace muse::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

// A parameter group with its own options; unset ones take the optimizer's defaults, as in PyTorch's
// SGD([{'params': ..., 'lr': ...}, ...], momentum=...):
//   SGD opt({{.params = body, .lr = 0.01}, {.params = head}}, {.lr = 0.1, .momentum = 0.9});
struct SGDGroup {
  std::vector<Tensor> params = {};
  std::optional<double> lr = {}, momentum = {}, dampening = {}, weight_decay = {};
  std::optional<bool> nesterov = {};
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions defaults = {});
  SGD(std::vector<SGDGroup> groups, SGDOptions defaults = {});
  void step() override;
  // Group g's options; lr is the group's current one (param_groups()[g].lr).
  SGDOptions options(size_t g = 0) const;

 protected:
  void save_param_state(size_t i, const std::string& prefix, StateDict& out) const override;
  void save_group_options(size_t g, const std::string& prefix, StateDict& out) const override;
  std::function<void()> load_state(StateReader& reader) override;

 private:
  std::vector<SGDOptions> options_;       // per group; the lr here is unused (see options())
  std::vector<Tensor> momentum_buffers_;  // one per parameter, undefined until its first step
};

}  // namespace muse::optim
