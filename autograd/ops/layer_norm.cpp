// Layer normalization (Ba, Kiros & Hinton 2016) as one fused kernel each way (per-element math in
// tensor/layer_norm_math.h). x is seen as R rows of N = prod(normalized_shape) elements:
//   mu = mean(x)   rstd = 1 / sqrt(mean((x - mu)^2) + eps)   x^ = (x - mu) rstd   y = x^ w + b
//   dx = rstd (g - mean(g) - x^ mean(g x^)) with g = dy w;   dw = sum_rows(dy x^);   db = sum_rows(dy)
// The forward keeps mean and rstd (R each) for the backward, which recomputes x^ from x.
#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

// normalized_shape as a Shape, checked against x's trailing dims, and weight and bias against it.
Shape check_layer_norm(const Tensor& x, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                       const Tensor& bias) {
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
    check_same_device("layer_norm", x, *p);
  }
  return ns;
}

Array flat(const Tensor& t, int64_t n) { return contiguous_array(t).view({n}); }

}  // namespace

Tensor layer_norm(const Tensor& x, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  Shape ns = check_layer_norm(x, normalized_shape, weight, bias);
  int64_t N = 1;
  for (int64_t s : ns) N *= s;
  int64_t R = N == 0 ? 0 : x.numel() / N;
  Array xa = contiguous_array(x).view({R, N});  // (R, N)
  Array wa = weight.defined() ? flat(weight, N) : Array(), ba = bias.defined() ? flat(bias, N) : Array();
  Array y = Array::empty(x.shape(), x.dtype(), x.device());
  Array mean = Array::empty({R}, x.dtype(), x.device()), rstd = Array::empty({R}, x.dtype(), x.device());
  backend_of(x).layer_norm_forward(xa, wa, ba, eps, y.view({R, N}), mean, rstd);

  bool need_x = x.requires_grad(), need_w = weight.defined() && weight.requires_grad();
  bool need_b = bias.defined() && bias.requires_grad();
  auto backward = [xa, wa, mean, rstd, ns, x_shape = x.shape(), need_x, need_w, need_b](const Tensor& dy) -> Gradients {
    int64_t R = xa.shape[0], N = xa.shape[1];
    Device d = xa.device();
    Array dx = need_x ? Array::empty({R, N}, xa.dtype, d) : Array();
    Array dw = need_w ? Array::empty({N}, xa.dtype, d) : Array();
    Array db = need_b ? Array::empty({N}, xa.dtype, d) : Array();
    backend(d).layer_norm_backward(xa, wa, mean, rstd, contiguous_array(dy).view({R, N}), dx, dw, db);
    return {need_x ? wrap(dx.view(x_shape)) : Tensor(), need_w ? wrap(dw.view(ns)) : Tensor(),
            need_b ? wrap(db.view(ns)) : Tensor()};
  };
  return record("layer_norm", wrap(y), {x, weight, bias}, backward);
}

}  // namespace muse
