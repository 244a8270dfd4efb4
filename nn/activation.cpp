#include "muse/nn/activation.h"

#include "muse/ops.h"

namespace muse::nn {

namespace {

// Softmax layers check dim against the input here, so that the error names the layer.
void check_dim(const std::string& layer, int64_t dim, const Tensor& x) {
  check(x.defined(), layer, ": got an undefined input");
  int64_t nd = std::max<int64_t>(x.dim(), 1);
  check(dim >= -nd && dim < nd, layer, ": dim ", dim, " is out of range for input of shape ", format_sizes(x.shape()));
}

}  // namespace

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + format_float(negative_slope); }

GELU::GELU(std::string approx) : Module("GELU"), approximate(std::move(approx)) {
  check(approximate == "none" || approximate == "tanh", "GELU: approximate must be 'none' or 'tanh', got '",
        approximate, "'");
}
Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor Softmax::forward(const Tensor& x) {
  check_dim(label(), dim, x);
  return softmax(x, dim);
}
std::string Softmax::extra_repr() const { return str("dim=", dim); }

Tensor LogSoftmax::forward(const Tensor& x) {
  check_dim(label(), dim, x);
  return log_softmax(x, dim);
}
std::string LogSoftmax::extra_repr() const { return str("dim=", dim); }

}  // namespace muse::nn
