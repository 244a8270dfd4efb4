// Reductions: sum, mean, max/min (with their indices), amax/amin, argmax/argmin, var, std, logsumexp
// and norm. A reduction over a list of dims runs the kernel on x seen as (outer, n, inner): when the
// reduced dims form one block of adjacent dims that is just the contiguous input; otherwise the reduced
// dims are permuted to the end and made contiguous, giving (kept elements, reduced elements, 1).
// Backward maps dy (the result's shape) back over the reduced dims: reshape to keepdim form, broadcast.
#include <cmath>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse {
namespace {

// How a reduction over some dims reads its input and shapes its result.
struct Plan {
  Array x;                            // contiguous, with the reduced dims in the middle
  int64_t outer = 1, n = 1, inner = 1;
  Shape dims;                         // the reduced dims, sorted and non-negative
  Shape out;                          // the result's shape
  Shape keep;                         // the result's shape with the reduced dims kept as size 1
};

// x's shape with the reduced dims kept as size 1.
Shape keepdim_shape(const Tensor& x, const Shape& dims) {
  Shape keep = x.shape();
  for (int64_t d : dims) keep[d] = 1;
  return keep;
}

Plan plan(const char* op, const Tensor& x, const Dims& dims, bool keepdim, DType dtype) {
  Plan p;
  p.dims = normalize_dims(op, dims, x.dim());
  p.keep = keepdim_shape(x, p.dims);
  const Shape& s = x.shape();
  bool reduced[Shape::kMaxDims] = {};
  for (int64_t d : p.dims) reduced[d] = true;
  Shape kept_first;  // the permutation that moves the reduced dims to the end
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (!reduced[i] || keepdim) p.out.push_back(reduced[i] ? 1 : s[i]);
    if (!reduced[i]) kept_first.push_back(i);
  }
  for (int64_t d : p.dims) kept_first.push_back(d);
  bool block = p.dims.empty() || p.dims.back() - p.dims[0] + 1 == p.dims.size();
  Array a = block ? array(x) : array(x).permute(kept_first);
  if (a.is_contiguous() && a.dtype == dtype) {
    p.x = a;
  } else {
    p.x = Array::empty(a.shape, dtype, a.device());
    backend_of(x).copy(a, p.x);  // also converts bool to int64 for sums
  }
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (reduced[i]) p.n *= s[i];
    else if (!block || p.dims.empty() || i < p.dims[0]) p.outer *= s[i];
    else p.inner *= s[i];
  }
  return p;
}

// max, min and friends have no value for an empty slice, unless there are no slices at all.
void check_nonempty(const char* op, const Tensor& x, const Shape& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= x.size(d);
  check(n > 0 || keepdim_shape(x, dims).numel() == 0, op,
        ": cannot reduce over an empty dimension (input of shape ", x.shape(), ", reduced dims ", dims,
        "); the result has no identity value");
}

Tensor reduce_kernel(ReduceOp op, const Plan& p, DType dtype) {
  Array out = Array::empty(p.out, dtype, p.x.device());
  backend(p.x.device()).reduce(op, p.x, p.outer, p.n, p.inner, out);
  return wrap(std::move(out));
}

// dy (the result's shape) broadcast back to the input's shape.
Tensor spread(const Tensor& dy, const Shape& keep, const Shape& shape) { return dy.reshape(keep).expand(shape); }

// A result and the backward closure that its public op records under its own name.
struct Reduced {
  Tensor y, index;
  BackwardFn backward;
};

// y = max (or min) over dims;  the gradient goes to the elements equal to y, split evenly among ties:
// dx = dy * [x == y] / count([x == y]), as PyTorch does for max() and amax().
Reduced extreme(const char* op, ReduceOp kind, const Tensor& x, const Dims& dims, bool keepdim) {
  check_defined(op, x);
  Plan p = plan(op, x, dims, keepdim, x.dtype());
  check_nonempty(op, x, p.dims);
  Tensor y = reduce_kernel(kind, p, x.dtype());
  return {y, {}, [x = save(x), y = save(y), dims = p.dims, keep = p.keep](const Tensor& dy) -> Gradients {
            Tensor mask = (x == y.reshape(keep)).to(x.dtype());
            return {mask * (dy.reshape(keep) / sum(mask, dims, true))};
          }};
}

// values = max (or min) along dim, index = the first position of it; dx = dy written at the indices.
// Only the values are differentiable.
Reduced extreme_along(const char* op, ReduceOp kind, const Tensor& x, int64_t dim, bool keepdim) {
  check_defined(op, x);
  int64_t d = normalize_dim(op, dim, x.dim());
  Plan p = plan(op, x, {d}, keepdim, x.dtype());
  check_nonempty(op, x, p.dims);
  Array values = Array::empty(p.out, x.dtype(), x.device()), indices = Array::empty(p.out, kInt64, x.device());
  backend_of(x).arg_reduce(kind, p.x, p.outer, p.n, p.inner, values, indices);
  Tensor index = wrap(indices);
  return {wrap(values), index, [index, d, shape = x.shape(), keep = p.keep](const Tensor& dy) -> Gradients {
            if (shape.empty()) return {dy};  // a 0-dim input is its own maximum
            Tensor zero = zeros(shape, {.dtype = dy.dtype(), .device = dy.device()});
            return {scatter_add(zero, d, index.reshape(keep), dy.reshape(keep))};
          }};
}

// The index of the first max (or min) along the reduced dims (all dims: into the flattened tensor).
Tensor arg_extreme(const char* op, ReduceOp kind, const Tensor& x, const Dims& dims, bool keepdim) {
  check_defined(op, x);
  Plan p = plan(op, x, dims, keepdim, x.dtype());
  check_nonempty(op, x, p.dims);
  Array values = Array::empty(p.out, x.dtype(), x.device()), indices = Array::empty(p.out, kInt64, x.device());
  backend_of(x).arg_reduce(kind, p.x, p.outer, p.n, p.inner, values, indices);
  return wrap(indices);
}

}  // namespace

// y = sum of x over dims;  dx = dy broadcast back over the reduced dims. Bool and int64 sum to int64.
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  check_defined("sum", x);
  DType dtype = x.is_floating_point() ? x.dtype() : kInt64;
  Plan p = plan("sum", x, dims, keepdim, dtype);
  Tensor y = reduce_kernel(ReduceOp::Sum, p, dtype);
  return record("sum", y, {x}, [keep = p.keep, shape = x.shape()](const Tensor& dy) -> Gradients {
    return {spread(dy, keep, shape)};
  });
}
Tensor sum(const Tensor& x) { return sum(x, {}, false); }

// y = sum(x) / n over the n reduced elements;  dx = dy / n broadcast back.
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  check_floating("mean", x);
  Plan p = plan("mean", x, dims, keepdim, x.dtype());
  Tensor y = reduce_kernel(ReduceOp::Mean, p, x.dtype());
  double n = static_cast<double>(p.n);
  return record("mean", y, {x}, [n, keep = p.keep, shape = x.shape()](const Tensor& dy) -> Gradients {
    return {spread(dy / n, keep, shape)};
  });
}
Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor max(const Tensor& x) {
  Reduced r = extreme("max", ReduceOp::Max, x, {}, false);
  return record("max", r.y, {x}, r.backward);
}
Tensor min(const Tensor& x) {
  Reduced r = extreme("min", ReduceOp::Min, x, {}, false);
  return record("min", r.y, {x}, r.backward);
}
Tensor amax(const Tensor& x, const Dims& dims, bool keepdim) {
  Reduced r = extreme("amax", ReduceOp::Max, x, dims, keepdim);
  return record("amax", r.y, {x}, r.backward);
}
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim) {
  Reduced r = extreme("amin", ReduceOp::Min, x, dims, keepdim);
  return record("amin", r.y, {x}, r.backward);
}
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) {
  Reduced r = extreme_along("max", ReduceOp::Max, x, dim, keepdim);
  return {record("max", r.y, {x}, r.backward), r.index};
}
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) {
  Reduced r = extreme_along("min", ReduceOp::Min, x, dim, keepdim);
  return {record("min", r.y, {x}, r.backward), r.index};
}

Tensor argmax(const Tensor& x) { return arg_extreme("argmax", ReduceOp::Max, x, {}, false); }
Tensor argmin(const Tensor& x) { return arg_extreme("argmin", ReduceOp::Min, x, {}, false); }
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_extreme("argmax", ReduceOp::Max, x, {normalize_dim("argmax", dim, x.dim())}, keepdim);
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_extreme("argmin", ReduceOp::Min, x, {normalize_dim("argmin", dim, x.dim())}, keepdim);
}

// var = sum((x - mean)^2) / (n - c), c = 1 with Bessel's correction (unbiased), else 0.
// dvar/dx = 2 (x - mean) / (n - c)  (the mean's own dependence on x sums to zero).
Tensor var(const Tensor& x, const Dims& dims, bool unbiased, bool keepdim) {
  check_floating("var", x);
  Plan p = plan("var", x, dims, keepdim, x.dtype());
  double c = unbiased ? 1 : 0;
  Array out = Array::empty(p.out, x.dtype(), x.device());
  backend_of(x).variance(p.x, p.outer, p.n, p.inner, c, out);
  double scale = 2.0 / (static_cast<double>(p.n) - c);
  auto backward = [x = save(x), dims = p.dims, keep = p.keep, scale](const Tensor& dy) -> Gradients {
    return {(x - mean(x, dims, true)) * (dy.reshape(keep) * scale)};
  };
  return record("var", wrap(out), {x}, backward);
}
Tensor var(const Tensor& x) { return var(x, {}, true, false); }

// std = sqrt(var): a composite, differentiated through var and sqrt.
Tensor std(const Tensor& x, const Dims& dims, bool unbiased, bool keepdim) {
  check_floating("std", x);
  return sqrt(var(x, dims, unbiased, keepdim));
}
Tensor std(const Tensor& x) { return std(x, {}, true, false); }

// y = log(sum(exp(x))), computed as m + log(sum(exp(x - m))) with m the maximum;
// dy/dx = exp(x - y), the softmax of x over the reduced dims.
Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim) {
  check_floating("logsumexp", x);
  Plan p = plan("logsumexp", x, dims, keepdim, x.dtype());
  Array out = Array::empty(p.out, x.dtype(), x.device());
  backend_of(x).logsumexp(p.x, p.outer, p.n, p.inner, out);
  Tensor y = wrap(out);
  return record("logsumexp", y, {x}, [x = save(x), y = save(y), keep = p.keep](const Tensor& dy) -> Gradients {
    return {dy.reshape(keep) * exp(x - y.reshape(keep))};
  });
}

// y = (sum |x|^p)^(1/p); p = inf gives max |x|, -inf min |x|, 0 the count of non-zeros.
// dy/dx = sign(x) |x|^(p-1) / y^(p-1)  (p = 2: x / y;  p = 1: sign(x));  p = +-inf: sign(x) at the
// elements where |x| = y, split among ties. Where y = 0 we return 0 (a subgradient), not 0/0.
Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim) {
  check_floating("norm", x);
  Shape nd = normalize_dims("norm", dims, x.dim()), keep = keepdim_shape(x, nd);
  if (std::isinf(p)) check_nonempty("norm", x, nd);
  Tensor y;
  {
    NoGradGuard no_grad;
    Tensor a = abs(x.detach());
    if (std::isinf(p)) y = p > 0 ? amax(a, dims, keepdim) : amin(a, dims, keepdim);
    else if (p == 0) y = sum((a != 0.0).to(x.dtype()), dims, keepdim);
    else if (p == 1) y = sum(a, dims, keepdim);
    else if (p == 2) y = sqrt(sum(a * a, dims, keepdim));
    else y = pow(sum(pow(a, p), dims, keepdim), 1.0 / p);
  }
  return record("norm", y, {x}, [x = save(x), y = save(y), p, nd, keep](const Tensor& dy) -> Gradients {
    if (p == 0) return {zeros_like(x)};
    Tensor yk = y.reshape(keep);
    Tensor sign = (x > 0.0).to(x.dtype()) - (x < 0.0).to(x.dtype());
    Tensor g;
    if (std::isinf(p)) {
      Tensor mask = (abs(x) == yk).to(x.dtype());
      g = sign * mask / sum(mask, nd, true);
    } else if (p == 1) {
      g = sign;
    } else if (p == 2) {
      g = x / yk;
    } else {
      g = sign * pow(abs(x) / yk, p - 1);
    }
    return {where(yk == 0.0, 0.0, g * dy.reshape(keep))};
  });
}
Tensor norm(const Tensor& x, double p) { return norm(x, p, {}, false); }

}  // namespace muse
