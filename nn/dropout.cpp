#include "muse/nn/dropout.h"

#include "muse/nn/functional.h"

namespace muse::nn {

Dropout::Dropout(double p, Generator& gen) : Module("Dropout"), p(p), gen_(&gen) {
  check(p >= 0 && p <= 1, "Dropout: p must be a probability in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, p, is_training(), *gen_); }

// PyTorch prints inplace=False too; muse has no in-place dropout, and the line stays the same.
std::string Dropout::extra_repr() const { return "p=" + format_float(p) + ", inplace=False"; }

Dropout2d::Dropout2d(double p, Generator& gen) : Module("Dropout2d"), p(p), gen_(&gen) {
  check(p >= 0 && p <= 1, "Dropout2d: p must be a probability in [0, 1], got ", p);
}

Tensor Dropout2d::forward(const Tensor& x) {
  check(x.defined() && (x.dim() == 3 || x.dim() == 4), label(), ": expected a 3D (N, C, L) or 4D (N, C, H, W) input, got ",
        x.defined() ? str(x.dim(), "D input of shape ", format_sizes(x.shape())) : "an undefined tensor");
  return functional::dropout2d(x, p, is_training(), *gen_);
}

std::string Dropout2d::extra_repr() const { return "p=" + format_float(p) + ", inplace=False"; }

}  // namespace muse::nn
