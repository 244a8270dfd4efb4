// Views: ops that only change how storage is read (shape, strides, offset) and share data with their
// input, plus contiguous(), clone() and to(dtype), which copy. Backward of a view maps dy back onto the
// input's layout: reshape it, permute it back, or write it into the sliced part of a zero tensor.
#include <algorithm>
#include <numeric>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

Tensor make_view(const char* name, const Tensor& x, Array v, BackwardFn fn) {
  return record(name, wrap(std::move(v)), {x}, std::move(fn));
}

// dx = zeros of the input's shape with dy written into the part the view selected.
Tensor scatter_into_zeros(const Tensor& dy, const Shape& shape, const std::function<Array(const Array&)>& part) {
  Tensor dx = zeros(shape, {.dtype = dy.dtype(), .device = dy.device()});
  backend_of(dx).copy(array(dy), part(array(dx)));
  return dx;
}

// Replaces one -1 in `shape` by the size that keeps numel elements.
Shape infer_size(const char* op, const Shape& shape, int64_t numel, const Shape& from) {
  Shape out = shape;
  int64_t known = 1, unknown = -1;
  for (int64_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      check(unknown < 0, op, ": only one dimension can be -1, got ", shape);
      unknown = i;
    } else {
      check(out[i] >= 0, op, ": invalid size ", out[i], " in shape ", shape);
      known *= out[i];
    }
  }
  if (unknown >= 0) {
    check(known != 0 && numel % known == 0, op, ": shape ", shape, " is invalid for input of shape ", from);
    out[unknown] = numel / known;
  }
  check(out.numel() == numel, op, ": shape ", shape, " is invalid for input of shape ", from, " (", numel,
        " elements)");
  return out;
}

// A view with the given sizes and strides; backward reshapes dy to the input's shape.
Tensor restride(const Tensor& x, const Shape& shape, const Shape& strides) {
  Shape in = x.shape();
  return make_view("view", x, array(x).as_strided(shape, strides, array(x).offset),
                   [in](const Tensor& dy) -> Gradients { return {dy.reshape(in)}; });
}

}  // namespace

// y = x viewed with a new shape (same elements in row-major order); dx = dy reshaped back.
Tensor Tensor::view(const Shape& shape) const {
  check_defined("view", *this);
  Shape s = infer_size("view", shape, numel(), this->shape());
  check(is_contiguous(), "view: the tensor of shape ", this->shape(), " is not contiguous, so it cannot be viewed as ",
        s, "; use reshape()");
  return restride(*this, s, contiguous_strides(s));
}

Tensor Tensor::reshape(const Shape& shape) const {
  check_defined("reshape", *this);
  Shape s = infer_size("reshape", shape, numel(), this->shape());
  return is_contiguous() ? view(s) : contiguous().view(s);
}

// y = x with dims reordered; dx = dy permuted by the inverse order.
Tensor Tensor::permute(const Dims& order) const {
  check_defined("permute", *this);
  check(order.size() == dim(), "permute: order ", order, " has ", order.size(), " dims but the tensor has ",
        dim(), " (shape ", shape(), ")");
  Shape o, inverse = order;
  for (int64_t d : order) o.push_back(normalize_dim("permute", d, dim()));
  for (int64_t i = 0; i < dim(); ++i) {
    check(std::count(o.begin(), o.end(), o[i]) == 1, "permute: order ", order, " repeats dim ", o[i]);
    inverse[o[i]] = i;
  }
  return make_view("permute", *this, array(*this).permute(o),
                   [inverse](const Tensor& dy) -> Gradients { return {dy.permute(inverse)}; });
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  check_defined("transpose", *this);
  Shape order;
  for (int64_t i = 0; i < dim(); ++i) order.push_back(i);
  if (dim() == 0) return permute(order);
  std::swap(order[normalize_dim("transpose", dim0, dim())], order[normalize_dim("transpose", dim1, dim())]);
  return permute(order);
}

Tensor Tensor::t() const {
  check_defined("t", *this);
  check(dim() <= 2, "t: expects a tensor of at most 2 dims, got shape ", shape(), "; use transpose()");
  return dim() < 2 ? *this : transpose(0, 1);
}

// y = x[start:end:step] along dim (Python rules: negative bounds count from the end, out-of-range
// bounds are clamped); dx = zeros with dy written into that slice.
Tensor Tensor::slice(int64_t dim_, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) const {
  check_defined("slice", *this);
  check(dim() > 0, "slice: cannot slice a 0-dim tensor");
  int64_t d = normalize_dim("slice", dim_, dim()), n = shape()[d];
  check(step > 0, "slice: step must be positive, got ", step);
  auto clampi = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  int64_t b = start ? clampi(*start) : 0, e = end ? clampi(*end) : n;
  int64_t len = e > b ? (e - b + step - 1) / step : 0;
  Shape in = shape();
  return make_view("slice", *this, array(*this).slice(d, b, len, step), [in, d, b, len, step](const Tensor& dy) -> Gradients {
    return {scatter_into_zeros(dy, in, [&](const Array& a) { return a.slice(d, b, len, step); })};
  });
}

Tensor Tensor::narrow(int64_t dim_, int64_t start, int64_t length) const {
  check_defined("narrow", *this);
  check(dim() > 0, "narrow: cannot narrow a 0-dim tensor");
  int64_t d = normalize_dim("narrow", dim_, dim()), n = shape()[d];
  if (start < 0) start += n;
  check(start >= 0 && length >= 0 && start + length <= n, "narrow: start ", start, " and length ", length,
        " are out of range for dim ", d, " of size ", n, " (shape ", shape(), ")");
  return slice(d, start, start + length);
}

// y = x[..., index, ...] with dim removed; dx = zeros with dy written at that index.
Tensor Tensor::select(int64_t dim_, int64_t index) const {
  check_defined("select", *this);
  check(dim() > 0, "select: cannot select from a 0-dim tensor");
  int64_t d = normalize_dim("select", dim_, dim()), n = shape()[d];
  check(index >= -n && index < n, "select: index ", index, " is out of range for dim ", d, " of size ", n,
        " (shape ", shape(), ")");
  if (index < 0) index += n;
  Array v = array(*this).slice(d, index, 1, 1);
  v.shape.erase(d);
  v.strides.erase(d);
  Shape in = shape();
  return make_view("select", *this, v, [in, d, index](const Tensor& dy) -> Gradients {
    return {scatter_into_zeros(dy, in, [&](const Array& a) {
      Array s = a.slice(d, index, 1, 1);
      s.shape.erase(d);
      s.strides.erase(d);
      return s;
    })};
  });
}

// y = x broadcast to shape without copying (stride 0); dx = dy summed over the broadcast dims, which
// the engine does for every op (sum_to), so the closure passes dy through.
Tensor Tensor::expand(const Shape& shape_) const {
  check_defined("expand", *this);
  check(shape_.size() >= dim(), "expand: the new shape ", shape_, " has fewer dims than the tensor's ", shape());
  Shape s = shape_;
  int64_t lead = s.size() - dim();
  for (int64_t i = 0; i < s.size(); ++i) {
    int64_t j = i - lead, own = j >= 0 ? shape()[j] : 1;
    if (s[i] == -1) {
      check(j >= 0, "expand: -1 is not allowed for a new leading dim in ", shape_);
      s[i] = own;
    }
    check(own == s[i] || own == 1, "expand: the tensor of shape ", shape(), " cannot be expanded to ", shape_,
          " (size ", own, " at dim ", i, " is not 1)");
  }
  return make_view("expand", *this, array(*this).expand(s), [](const Tensor& dy) -> Gradients { return {dy}; });
}

Tensor Tensor::squeeze() const {
  check_defined("squeeze", *this);
  Shape s, st;
  for (int64_t i = 0; i < dim(); ++i)
    if (shape()[i] != 1) s.push_back(shape()[i]), st.push_back(strides()[i]);
  return restride(*this, s, st);
}

Tensor Tensor::squeeze(int64_t dim_) const {
  check_defined("squeeze", *this);
  if (dim() == 0) return restride(*this, shape(), strides());
  int64_t d = normalize_dim("squeeze", dim_, dim());
  if (shape()[d] != 1) return restride(*this, shape(), strides());
  Shape s = shape(), st = strides();
  s.erase(d);
  st.erase(d);
  return restride(*this, s, st);
}

Tensor Tensor::unsqueeze(int64_t dim_) const {
  check_defined("unsqueeze", *this);
  int64_t d = normalize_dim("unsqueeze", dim_, dim() + 1);
  Shape s = shape(), st = strides();
  s.insert(d, 1);
  st.insert(d, d < dim() ? strides()[d] * shape()[d] : 1);
  return restride(*this, s, st);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  check_defined("flatten", *this);
  if (dim() == 0) return reshape({1});
  int64_t b = normalize_dim("flatten", start_dim, dim()), e = normalize_dim("flatten", end_dim, dim());
  check(b <= e, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim, " for shape ", shape());
  Shape s;
  for (int64_t i = 0; i < b; ++i) s.push_back(shape()[i]);
  int64_t merged = 1;
  for (int64_t i = b; i <= e; ++i) merged *= shape()[i];
  s.push_back(merged);
  for (int64_t i = e + 1; i < dim(); ++i) s.push_back(shape()[i]);
  return reshape(s);
}

// y = a contiguous copy of x (x itself when already contiguous); dx = dy.
Tensor Tensor::contiguous() const {
  check_defined("contiguous", *this);
  if (is_contiguous()) return *this;
  return clone();
}

// y = a fresh contiguous copy of x; dx = dy.
Tensor Tensor::clone() const {
  check_defined("clone", *this);
  Array out = Array::empty(shape(), dtype(), device());
  backend_of(*this).copy(array(*this), out);
  return record("clone", wrap(out), {*this}, [](const Tensor& dy) -> Gradients { return {dy}; });
}

// y = x converted to dtype; between floating types dx = dy converted back. Integer and bool results
// are not differentiable.
Tensor Tensor::to(DType dt) const {
  check_defined("to", *this);
  if (dt == dtype()) return *this;
  Array out = Array::empty(shape(), dt, device());
  backend_of(*this).copy(array(*this), out);
  if (!is_floating(dt)) return wrap(out);
  DType from = dtype();
  return record("to", wrap(out), {*this}, [from](const Tensor& dy) -> Gradients { return {dy.to(from)}; });
}

// y = x on another device;  dx = dy copied back to x's device.
Tensor Tensor::to(Device device) const {
  check_defined("to", *this);
  if (device == this->device()) return *this;
  Array out = Array::empty(shape(), dtype(), device);
  copy_across_devices(array(*this), out);
  Device from = this->device();
  return record("to", wrap(out), {*this}, [from](const Tensor& dy) -> Gradients { return {dy.to(from)}; });
}

}  // namespace muse
