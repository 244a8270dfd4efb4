// linear, the fully connected layer, fused into one GEMM each way (tensor/cpu/matmul.cpp).
//   y = x W^T + b          x (R, in) with R the product of x's leading dims, W (out, in), b (out,)
//   dx = dy W,   dW = dy^T x,   db = sum over the R rows of dy
// The GEMM kernel takes transpose flags, so W^T and dy^T are read in place, never copied; the bias is
// added into y by one broadcasting kernel call, and db is one column reduction.
#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

void check_linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_defined("linear", x);
  check_defined("linear", weight);
  check(weight.dim() == 2, "linear: weight must be (out_features, in_features), got shape ", weight.shape());
  check(x.dim() >= 1, "linear: input must have at least one dimension, got shape ", x.shape());
  check_same_dtype("linear", x, weight);
  check_floating("linear", x);
  check_same_device("linear", x, weight);
  check(x.size(-1) == weight.size(1), "linear: input ", x.shape(), " has last dimension ", x.size(-1),
        " but weight ", weight.shape(), " expects ", weight.size(1));
  if (!bias.defined()) return;
  check_same_dtype("linear", x, bias);
  check_same_device("linear", x, bias);
  check(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias must have shape (", weight.size(0),
        ",) to match weight ", weight.shape(), ", got ", bias.shape());
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_linear(x, weight, bias);
  int64_t in = weight.size(1), out = weight.size(0), rows = 1;
  for (int64_t d = 0; d + 1 < x.dim(); ++d) rows *= x.size(d);
  Shape y_shape = x.shape();
  y_shape[y_shape.size() - 1] = out;
  Backend& be = backend_of(x);
  Tensor xc = wrap(contiguous_array(x)), wc = wrap(contiguous_array(weight));  // (R, in), (out, in)
  Array y = Array::empty(y_shape, x.dtype(), x.device());                       // (R, out)
  be.matmul(array(xc).view({1, rows, in}), false, array(wc).view({1, out, in}), true, y.view({1, rows, out}));
  if (bias.defined()) be.binary(BinaryOp::Add, y, contiguous_array(bias), y);

  // Each gradient is computed only when its input needs it, and only what it reads is kept: dx reads W,
  // dW reads x.
  bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  auto backward = [x_shape = x.shape(), xc = need_w ? xc : Tensor(), wc = need_x ? wc : Tensor(), rows, in, out,
                   need_b = bias.defined() && bias.requires_grad()](const Tensor& dy) -> Gradients {
    Backend& be = backend_of(dy);
    Array g = contiguous_array(dy).view({1, rows, out});
    Tensor dx, dw, db;
    if (wc.defined()) {  // (R, out) x (out, in)
      Array a = Array::empty(x_shape, dy.dtype(), dy.device());
      be.matmul(g, false, array(wc).view({1, out, in}), false, a.view({1, rows, in}));
      dx = wrap(a);
    }
    if (xc.defined()) {  // (out, R) x (R, in), dy read transposed
      Array a = Array::empty({out, in}, dy.dtype(), dy.device());
      be.matmul(g, true, array(xc).view({1, rows, in}), false, a.view({1, out, in}));
      dw = wrap(a);
    }
    if (need_b) {
      Array a = Array::empty({out}, dy.dtype(), dy.device());
      be.reduce(ReduceOp::Sum, g, 1, rows, out, a);
      db = wrap(a);
    }
    return {dx, dw, db};
  };
  return record("linear", wrap(y), {x, weight, bias}, backward);
}

}  // namespace muse
