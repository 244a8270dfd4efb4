// Layer normalization (Ba, Kiros, Hinton 2016), equations in muse/ops.h. This first version is composed
// from reductions and elementwise ops, so it differentiates itself; a fused kernel pair replaces it.
#include "autograd/checks.h"
#include "muse/ops.h"

namespace muse {

Tensor layer_norm(const Tensor& x, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  check_defined("layer_norm", x);
  check_floating("layer_norm", x);
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  Shape ns;
  for (int64_t s : normalized_shape) ns.push_back(s);
  check(k >= 1 && k <= x.dim(), "layer_norm: normalized_shape ", ns, " must name 1 to ", x.dim(),
        " trailing dims of x ", x.shape());
  for (int64_t i = 0; i < k; ++i)
    check(x.size(x.dim() - k + i) == ns[i], "layer_norm: normalized_shape ", ns, " does not match the last dims of x ",
          x.shape());
  for (const Tensor* p : {&weight, &bias}) {
    if (!p->defined()) continue;
    check(p->shape() == ns, "layer_norm: ", p == &weight ? "weight" : "bias", " of shape ", p->shape(),
          " must have normalized_shape ", ns);
    check_same_dtype("layer_norm", x, *p);
  }
  Dims dims;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) dims.push_back(i);
  Tensor centered = x - mean(x, dims, true);
  Tensor y = centered * rsqrt(mean(centered * centered, dims, true) + eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

}  // namespace muse
