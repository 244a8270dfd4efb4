// Adam and AdamW with PyTorch 1.13's semantics (torch.optim.Adam, torch.optim.AdamW). For each
// parameter p with gradient g, at its step t = 1, 2, ...:
//   AdamW:  p <- p * (1 - lr * weight_decay)       Adam:  g <- g + weight_decay * p
//   m <- beta1 * m + (1 - beta1) * g
//   v <- beta2 * v + (1 - beta2) * g^2
//   amsgrad: v_max <- max(v_max, v), used for v below
//   p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// The update is one fused kernel per parameter (Backend::adam), one pass over memory.
// state_dict keys: per parameter "step" (0-dim float32, as PyTorch), "exp_avg" m, "exp_avg_sq" v and,
// with amsgrad, "max_exp_avg_sq" v_max; per group "betas" (float64, (2,)), "eps", "weight_decay" and
// "amsgrad" (bool). References: Kingma & Ba 2015; Loshchilov & Hutter 2019.
#pragma once

#include <optional>

#include "muse/optim/optimizer.h"

namespace muse::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // L2 penalty added to the gradient
  bool amsgrad = false;
};

// AdamW's defaults differ from Adam's only in weight_decay, which is decoupled from the gradient.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

// A parameter group with its own options; unset ones take the optimizer's defaults, as in PyTorch's
// Adam([{'params': ..., 'lr': ...}, ...], lr=...):
//   Adam opt({{.params = encoder, .lr = 1e-4}, {.params = decoder}}, {.lr = 1e-3});
struct AdamGroup {
  std::vector<Tensor> params = {};
  std::optional<double> lr = {}, beta1 = {}, beta2 = {}, eps = {}, weight_decay = {};
  std::optional<bool> amsgrad = {};
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions defaults = {});
  Adam(std::vector<AdamGroup> groups, AdamOptions defaults = {});
  void step() override;
  // Group g's options; lr is the group's current one (param_groups()[g].lr).
  AdamOptions options(size_t g = 0) const;

 protected:
  Adam(const char* name, bool decoupled, std::vector<AdamGroup> groups, AdamOptions defaults);
  void save_param_state(size_t i, const std::string& prefix, StateDict& out) const override;
  void save_group_options(size_t g, const std::string& prefix, StateDict& out) const override;
  std::function<void()> load_state(StateReader& reader) override;

 private:
  struct State {
    int64_t step = 0;  // steps taken by this parameter; the buffers are undefined while it is 0
    Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
  };
  void update(Tensor& p, State& s, const AdamOptions& o);

  bool decoupled_;
  std::vector<AdamOptions> options_;  // per group; the lr here is unused (see options())
  std::vector<State> state_;          // per parameter
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions defaults = {});
  AdamW(std::vector<AdamGroup> groups, AdamWOptions defaults = {});
};

}  // namespace muse::optim
