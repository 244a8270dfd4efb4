#include "muse/nn/padding.h"

namespace muse::nn {

Pad2d::Pad2d(std::string name, std::array<int64_t, 4> p, PadMode m) : Module(std::move(name)), padding(p), mode(m) {}

Tensor Pad2d::forward(const Tensor& x) {
  check(x.defined(), label(), ": got an undefined input");
  check(x.dim() == 3 || x.dim() == 4, label(), ": expected a 3D (C, H, W) or 4D (N, C, H, W) input, got ", x.dim(),
        "D input of shape ", format_sizes(x.shape()));
  return pad(x, {padding[0], padding[1], padding[2], padding[3]}, mode);
}

// PyTorch 1.13 prints the four amounts as a tuple: "(1, 1, 2, 0)".
std::string Pad2d::extra_repr() const {
  return str("(", padding[0], ", ", padding[1], ", ", padding[2], ", ", padding[3], ")");
}

}  // namespace muse::nn
