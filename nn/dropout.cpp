#include "muse/nn/dropout.h"

#include "muse/nn/functional.h"

namespace muse::nn {

Dropout::Dropout(double p, Generator& gen) : Module("Dropout"), p(p), gen_(&gen) {
  check(p >= 0 && p <= 1, "Dropout: p must be a probability in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, p, is_training(), *gen_); }

// PyTorch prints inplace=False too; muse has no in-place dropout, and the line stays the same.
std::string Dropout::extra_repr() const { return "p=" + format_float(p) + ", inplace=False"; }

}  // namespace muse::nn
