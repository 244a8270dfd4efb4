// linear, the fully connected layer, fused into one GEMM each way (tensor/cpu/matmul.cpp).
//   y = x W^T + b          x (R, in) with R the product of x's leading dims, W (out, in), b (out,)
//   dx = dy W,   dW = dy^T x,   db = sum over the R rows of dy
// The GEMM kernel takes transpose flags, so W^T and dy^T are read in place, never copied, and adds the
// bias as it stores y's tiles; db is one column reduction. As in PyTorch, b may be any shape that
// broadcasts to y's: one of y's own shape (an LSTM's input projection for the step, added to h W_hh^T)
// is added by the GEMM too, and db = dy summed to b's shape.
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
  Shape y_shape = x.shape();
  y_shape[y_shape.size() - 1] = weight.size(0);
  Shape joint = broadcast_shapes("linear", y_shape, bias.shape());
  check(joint == y_shape, "linear: bias of shape ", bias.shape(), " does not broadcast to the output shape ",
        y_shape, " of input ", x.shape(), " and weight ", weight.shape());
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
  // The GEMM adds a bias of shape (out,) (as a row repeated with stride 0) or of y's own shape; any
  // other broadcast is one kernel call afterwards.
  Array b = bias.defined() ? contiguous_array(bias) : Array(), add;
  if (b.defined() && b.ndim() == 1 && b.shape[0] == out) add = b.view({1, 1, out}).expand({1, rows, out});
  else if (b.defined() && b.shape == y_shape) add = b.view({1, rows, out});
  be.matmul(array(xc).view({1, rows, in}), false, array(wc).view({1, out, in}), true, y.view({1, rows, out}), add);
  if (b.defined() && !add.defined()) be.binary(BinaryOp::Add, y, b, y);

  // Each gradient is computed only when its input needs it, and only what it reads is kept: dx reads W,
  // dW reads x.
  bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  auto backward = [x_shape = x.shape(), xc = need_w ? xc : Tensor(), wc = need_x ? wc : Tensor(), rows, in, out,
                   need_b = bias.defined() && bias.requires_grad(),
                   b_shape = bias.defined() ? bias.shape() : Shape()](const Tensor& dy) -> Gradients {
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
    if (need_b && b_shape == Shape{out}) {
      Array a = Array::empty({out}, dy.dtype(), dy.device());
      be.reduce(ReduceOp::Sum, g, 1, rows, out, a);
      db = wrap(a);
    } else if (need_b) {
      db = sum_to(dy, b_shape);
    }
    return {dx, dw, db};
  };
  return record("linear", wrap(y), {x, weight, bias}, backward);
}

}  // namespace muse
