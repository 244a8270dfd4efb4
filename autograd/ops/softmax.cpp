// softmax and log_softmax along one dim, fused into one kernel each way (tensor/cpu/softmax.cpp).
//   softmax:      y_k = exp(x_k - m) / sum_j exp(x_j - m)       dx = y * (dy - sum(dy * y))
//   log_softmax:  y_k = x_k - m - log(sum_j exp(x_j - m))        dx = dy - exp(y) * sum(dy)
// with m the maximum along dim, so large logits never overflow. The sums run along dim.
#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

// x seen as (outer, n, inner) around dim.
struct Around {
  int64_t outer = 1, n = 1, inner = 1;
};

Around around(const char* op, const Tensor& x, int64_t dim) {
  check_floating(op, x);
  int64_t d = normalize_dim(op, dim, x.dim());
  Around a;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < d) a.outer *= x.size(i);
    else if (i == d) a.n = x.size(i);
    else a.inner *= x.size(i);
  }
  return a;
}

Tensor softmax_forward(const Tensor& x, Around a, bool log) {
  Array y = Array::empty(x.shape(), x.dtype(), x.device());
  backend_of(x).softmax(contiguous_array(x), a.outer, a.n, a.inner, log, y);
  return wrap(std::move(y));
}

// The backward of either, from the saved output y.
BackwardFn softmax_backward(const Tensor& y, Around a, bool log) {
  return [y = save(y), a, log](const Tensor& dy) -> Gradients {
    Array dx = Array::empty(y.shape(), y.dtype(), y.device());
    backend_of(y).softmax_backward(array(y), contiguous_array(dy), a.outer, a.n, a.inner, log, dx);
    return {wrap(std::move(dx))};
  };
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  Around a = around("softmax", x, dim);
  Tensor y = softmax_forward(x, a, false);
  return record("softmax", y, {x}, softmax_backward(y, a, false));
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  Around a = around("log_softmax", x, dim);
  Tensor y = softmax_forward(x, a, true);
  return record("log_softmax", y, {x}, softmax_backward(y, a, true));
}

}  // namespace muse
