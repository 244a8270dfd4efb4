// matmul with torch.matmul's semantics, on the batched GEMM kernel (tensor/cpu/matmul.cpp).
//   Y = A B  (batched over the leading dims);   dA = dY B^T,   dB = A^T dY
// A 1-D a (K,) is treated as (1, K) and a 1-D b (K,) as (K, 1); the added dim is squeezed off the
// result. Batch dims (all but the last two) broadcast: an operand whose batch has one element is given
// to the kernel as a batch of 1, which it reuses, and the engine sums broadcast dims out of gradients.
// The kernel wants contiguous matrices but takes a transpose flag, so a transposed contiguous matrix
// (x.t(), a permuted batch) is passed as stored with the flag flipped instead of being copied.
#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

Shape batch_of(const Shape& s) {
  Shape b;
  for (int64_t i = 0; i + 2 < s.size(); ++i) b.push_back(s[i]);
  return b;
}

// An operand as the kernel wants it: a contiguous (batch, rows, cols) array as stored, and whether the
// product reads it transposed.
struct Operand {
  Array a;
  bool trans;
};

// x (..., r, c), read as op(x) = x or x^T (t), for a product whose batch dims are `batch`.
Operand operand(const Array& x, const Shape& batch, bool t) {
  int64_t nd = x.ndim(), r = x.shape[nd - 2], c = x.shape[nd - 1];
  Array a = x;
  int64_t count = batch_of(x.shape).numel() == 1 ? 1 : batch.numel();
  if (count > 1 && !(batch_of(x.shape) == batch)) {  // batch dims broadcast: materialise them
    Shape full = batch;
    full.push_back(r);
    full.push_back(c);
    a = contiguous_array(x.expand(full));
  }
  if (a.is_contiguous()) return {a.view({count, r, c}), t};
  Shape swap;  // the order that exchanges the last two dims
  for (int64_t i = 0; i < nd; ++i) swap.push_back(i < nd - 2 ? i : 2 * nd - 3 - i);
  Array stored = a.permute(swap);
  if (stored.is_contiguous()) return {stored.view({count, c, r}), !t};
  return {contiguous_array(a).view({count, r, c}), t};
}

// op(a) @ op(b) with broadcast batch dims: (..., M, K) x (..., K, N) -> (batch..., M, N).
Array product(const Array& a, bool ta, const Array& b, bool tb) {
  int64_t na = a.ndim(), nb = b.ndim();
  int64_t m = a.shape[ta ? na - 1 : na - 2], n = b.shape[tb ? nb - 2 : nb - 1];
  Shape batch = broadcast_shapes("matmul", batch_of(a.shape), batch_of(b.shape));
  Shape out = batch;
  out.push_back(m);
  out.push_back(n);
  Array c = Array::empty(out, a.dtype, a.device());
  // A contiguous batch times one shared matrix is one product of (batch * M, K) by (K, N).
  if (!ta && batch.numel() > 1 && batch_of(b.shape).numel() == 1 && a.is_contiguous()) {
    int64_t k = a.shape[na - 1], rows = batch.numel() * m;
    Operand ob = operand(b, Shape(), tb);
    backend(a.device()).matmul(a.view({1, rows, k}), false, ob.a, ob.trans, c.view({1, rows, n}));
    return c;
  }
  Operand oa = operand(a, batch, ta), ob = operand(b, batch, tb);
  backend(a.device()).matmul(oa.a, oa.trans, ob.a, ob.trans, c.view({batch.numel(), m, n}));
  return c;
}

// dB = A^T dY. When one B served every batch item (its batch has one element) the sum over the batch
// that its gradient needs is folded into the product: (K, batch * M) x (batch * M, N).
Array grad_b(const Array& a, const Array& dy, const Shape& b_shape) {
  if (batch_of(b_shape).numel() == 1 && batch_of(a.shape).numel() > 1) {
    int64_t k = a.shape[a.ndim() - 1], n = dy.shape[dy.ndim() - 1];
    int64_t rows = batch_of(a.shape).numel() * a.shape[a.ndim() - 2];
    Array g = product(contiguous_array(a).view({rows, k}), true, contiguous_array(dy).view({rows, n}), false);
    return g.view(b_shape);
  }
  return product(a, true, dy, false);
}

}  // namespace

// torch.matmul: (..., M, K) x (..., K, N) -> (batch..., M, N), 1-D operands promoted and squeezed back.
Tensor matmul(const Tensor& a, const Tensor& b) {
  check_defined("matmul", a);
  check_defined("matmul", b);
  check(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need at least one dimension, got shapes ",
        a.shape(), " and ", b.shape());
  check_same_dtype("matmul", a, b);
  check_floating("matmul", a);
  check_same_device("matmul", a, b);
  int64_t ka = a.size(-1), kb = b.size(b.dim() == 1 ? 0 : -2);
  check(ka == kb, "matmul: cannot multiply ", a.shape(), " by ", b.shape(), ": ", ka, " != ", kb);
  Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a, b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  // Y = A B;  dA = dY B^T,  dB = A^T dY, each computed only when that input needs it.
  auto backward = [a = save(a2), b = save(b2), need_a = a2.requires_grad(),
                   need_b = b2.requires_grad()](const Tensor& dy) -> Gradients {
    Array g = contiguous_array(dy);
    Tensor da = need_a ? wrap(product(g, false, array(b), true)) : Tensor();
    Tensor db = need_b ? wrap(grad_b(array(a), g, b.shape())) : Tensor();
    return {da, db};
  };
  Tensor y = record("matmul", wrap(product(array(a2), false, array(b2), false)), {a2, b2}, backward);
  if (a.dim() == 1) y = y.squeeze(-2);
  if (b.dim() == 1) y = y.squeeze(-1);
  return y;
}

}  // namespace muse
