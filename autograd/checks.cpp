#include "autograd/checks.h"

#include <algorithm>

#include "autograd/node.h"

namespace muse {

void check_defined(const char* op, const Tensor& t) {
  check(t.defined(), op, ": got an undefined tensor");
}

void check_floating(const char* op, const Tensor& t) {
  check_defined(op, t);
  check(is_floating(t.dtype()), op, ": expected a floating-point tensor (float32 or float64), got ", t.dtype(),
        " of shape ", t.shape(), "; convert it with .to(kFloat32)");
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  check(a.dtype() == b.dtype(), op, ": dtype mismatch, ", a.dtype(), " ", a.shape(), " and ", b.dtype(), " ",
        b.shape(), "; convert one with .to()");
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  check(a.device() == b.device(), op, ": tensors are on different devices, ", a.device(), " ", a.shape(), " and ",
        b.device(), " ", b.shape(), "; move one with .to()");
}

int64_t normalize_dim(const char* op, int64_t dim, int64_t ndim) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-dim tensor accepts dim 0 and -1, like PyTorch
  check(dim >= -n && dim < n, op, ": dim ", dim, " is out of range for a tensor of ", ndim,
        " dimensions (expected a dim in [", -n, ", ", n - 1, "])");
  return dim < 0 ? dim + n : dim;
}

Shape normalize_dims(const char* op, const Dims& dims, int64_t ndim) {
  Shape out;
  for (int64_t d : dims) {
    int64_t nd = normalize_dim(op, d, ndim);
    check(std::find(out.begin(), out.end(), nd) == out.end(), op, ": dim ", d, " appears more than once in ",
          dims);
    out.push_back(nd);
  }
  if (ndim == 0) return Shape();  // a 0-dim tensor has nothing to reduce over
  if (dims.empty())
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
  std::sort(out.begin(), out.end());
  return out;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  int64_t n = std::max(a.size(), b.size());
  Shape out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t da = i - (n - a.size()), db = i - (n - b.size());
    int64_t sa = da >= 0 ? a[da] : 1, sb = db >= 0 ? b[db] : 1;
    check(sa == sb || sa == 1 || sb == 1, op, ": shapes ", a, " and ", b, " do not broadcast (", sa, " vs ", sb,
          " at dim ", i, ")");
    out.push_back(sa == 1 ? sb : sa);
  }
  return out;
}

Array contiguous_array(const Tensor& t) { return contiguous_array(array(t)); }

Array contiguous_array(const Array& a) {
  if (a.is_contiguous()) return a;
  Array out = Array::empty(a.shape, a.dtype, a.device());
  backend(a.device()).copy(a, out);
  return out;
}

Tensor scalar_like(double value, const Tensor& like) {
  Array a = Array::empty(Shape(), like.dtype(), like.device());
  backend(like.device()).fill(a, value);
  return wrap(std::move(a));
}

Backend& backend_of(const Tensor& t) { return backend(t.device()); }

}  // namespace muse
