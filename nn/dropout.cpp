#include "muse/nn/dropout.h"

#include "muse/nn/functional.h"

namespace muse::nn {

DropoutNd::DropoutNd(std::string name, double p, Generator& gen) : Module(name), p(p), gen_(&gen) {
  check(p >= 0 && p <= 1, name, ": p must be a probability in [0, 1], got ", p);
}

// PyTorch prints inplace=False too; muse has no in-place dropout, and the line stays the same.
std::string DropoutNd::extra_repr() const { return "p=" + format_float(p) + ", inplace=False"; }

Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, p, is_training(), generator()); }

Tensor Dropout2d::forward(const Tensor& x) {
  check(x.defined() && (x.dim() == 3 || x.dim() == 4), label(), ": expected a 3D (N, C, L) or 4D (N, C, H, W) input, got ",
        x.defined() ? str(x.dim(), "D input of shape ", format_sizes(x.shape())) : "an undefined tensor");
  return functional::dropout2d(x, p, is_training(), generator());
}

}  // namespace muse::nn
