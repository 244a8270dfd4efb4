// Tensor's metadata, autograd state, value access and in-place updates. Views and math are ops
// (autograd/ops/), reached from the method forms at the end of this file.
#include <cstring>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse {

namespace {
// The impl behind t; an undefined Tensor (default-constructed) is a user error, never a null dereference.
TensorImpl& get(const std::shared_ptr<TensorImpl>& impl, const char* op) {
  check(impl != nullptr, op, ": got an undefined tensor");
  return *impl;
}
}  // namespace

const Shape& Tensor::shape() const { return get(impl_, "shape").data.shape; }
int64_t Tensor::size(int64_t d) const { return shape()[normalize_dim("size", d, dim())]; }
int64_t Tensor::dim() const { return shape().size(); }
int64_t Tensor::numel() const { return shape().numel(); }
DType Tensor::dtype() const { return get(impl_, "dtype").data.dtype; }
Device Tensor::device() const { return get(impl_, "device").data.device(); }
const Shape& Tensor::strides() const { return get(impl_, "strides").data.strides; }
int64_t Tensor::stride(int64_t d) const { return strides()[normalize_dim("stride", d, dim())]; }
bool Tensor::is_contiguous() const { return get(impl_, "is_contiguous").data.is_contiguous(); }

bool Tensor::requires_grad() const { return get(impl_, "requires_grad").requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
  get(impl_, "requires_grad_");
  check(is_leaf() || on, "requires_grad_: can only change requires_grad of a leaf tensor; ",
        "use detach() to get a tensor out of the graph");
  check(!on || is_floating(dtype()), "requires_grad_: only floating-point tensors can require grad, got ",
        dtype());
  impl_->requires_grad = on;
  return *this;
}

const Tensor& Tensor::grad() const { return get(impl_, "grad").grad; }
Tensor& Tensor::mutable_grad() { return get(impl_, "mutable_grad").grad; }
bool Tensor::is_leaf() const { return get(impl_, "is_leaf").grad_fn == nullptr; }

void Tensor::retain_grad() {
  get(impl_, "retain_grad");
  check(requires_grad(), "retain_grad: the tensor does not require grad");
  if (impl_->grad_fn) impl_->grad_fn->retained = impl_;
  impl_->retains_grad = true;
}

std::string Tensor::grad_fn_name() const {
  return get(impl_, "grad_fn_name").grad_fn ? impl_->grad_fn->name : "";
}

Tensor Tensor::detach() const {
  check_defined("detach", *this);
  return wrap(impl_->data);
}

Tensor& Tensor::set_data(const Tensor& data) {
  TensorImpl& self = get(impl_, "set_data");
  check_defined("set_data", data);
  check(self.grad_fn == nullptr, "set_data: only a leaf tensor's data can be replaced, got the output of ",
        self.grad_fn ? self.grad_fn->name : "", " (shape ", shape(), ")");
  check(!self.requires_grad || is_floating(data.dtype()), "set_data: a tensor that requires grad needs ",
        "floating-point data, got ", data.dtype());
  self.data = array(data);
  return *this;
}

double Tensor::item() const {
  check_defined("item", *this);
  check(numel() == 1, "item: a tensor with ", numel(), " elements (shape ", shape(),
        ") cannot be converted to a number; it needs exactly one element");
  Array one = Array::empty(Shape(), kFloat64);
  copy_across_devices(impl_->data.as_strided(Shape(), Shape(), impl_->data.offset), one);  // from any device
  return *one.data<double>();
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  check_defined("to_vector", *this);
  check(dtype() == dtype_of<T>::value, "to_vector: asked for ", dtype_of<T>::value, " values from a ", dtype(),
        " tensor");
  Array c = Array::empty(shape(), dtype(), kCPU);
  copy_across_devices(array(*this), c);  // contiguous, on the host
  const T* p = c.data<T>();
  return std::vector<T>(p, p + numel());
}

template <class T>
T* Tensor::data_ptr() const {
  check_defined("data_ptr", *this);
  check(dtype() == dtype_of<T>::value, "data_ptr: asked for ", dtype_of<T>::value, "* into a ", dtype(),
        " tensor");
  return impl_->data.data<T>();
}

#define MUSE_INSTANTIATE(T)                              \
  template std::vector<T> Tensor::to_vector<T>() const; \
  template T* Tensor::data_ptr<T>() const;
MUSE_INSTANTIATE(float)
MUSE_INSTANTIATE(double)
MUSE_INSTANTIATE(int64_t)
MUSE_INSTANTIATE(bool)
#undef MUSE_INSTANTIATE

// ---- in-place updates ----

namespace {

// In-place writes are only allowed outside recorded graphs; each bumps the storage's version.
Array& writable(const char* op, Tensor& t) {
  check_defined(op, t);
  check(!(GradMode::is_enabled() && t.requires_grad()), op, ": in-place update of a tensor that requires grad (shape ",
        t.shape(), ") would corrupt the graph; do it inside a NoGradGuard, or on a detach()ed tensor");
  Array& a = t.impl()->data;
  a.storage->version += 1;
  return a;
}

// Runs kernel(out) on a contiguous array and leaves the result in t (copied back when t is strided).
template <class F>
Tensor& update(const char* op, Tensor& t, F&& kernel) {
  Array& dst = writable(op, t);
  Array out = dst.is_contiguous() ? dst : Array::empty(dst.shape, dst.dtype, dst.device());
  kernel(out);
  if (out.storage != dst.storage) backend(dst.device()).copy(out, dst);
  return t;
}

}  // namespace

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::fill_(double value) {
  backend_of(*this).fill(writable("fill_", *this), value);
  return *this;
}

// As PyTorch's copy_, src may live on another device: it is brought to this tensor's device first.
Tensor& Tensor::copy_(const Tensor& src) {
  check_defined("copy_", src);
  Tensor here = src.device() == device() ? src : src.detach().to(device());
  Shape b = broadcast_shapes("copy_", src.shape(), shape());
  check(b == shape(), "copy_: source of shape ", src.shape(), " does not broadcast to ", shape());
  Array& dst = writable("copy_", *this);
  backend_of(*this).copy(array(here).expand(shape()), dst);
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_defined("add_", other);
  check_same_dtype("add_", *this, other);
  check_same_device("add_", *this, other);
  Shape b = broadcast_shapes("add_", shape(), other.shape());
  check(b == shape(), "add_: ", other.shape(), " does not broadcast to ", shape());
  Tensor scaled = alpha == 1 ? other : other.detach() * alpha;
  Array self = contiguous_array(*this);
  return update("add_", *this, [&](const Array& out) {
    backend_of(*this).binary(BinaryOp::Add, self, contiguous_array(scaled), out);
  });
}

Tensor& Tensor::mul_(double value) {
  Array self = contiguous_array(*this);
  Tensor v = scalar_like(value, *this);
  return update("mul_", *this, [&](const Array& out) {
    backend_of(*this).binary(BinaryOp::Mul, self, array(v), out);
  });
}

Tensor& Tensor::uniform_(double low, double high, Generator& gen) {
  check_floating("uniform_", *this);
  return update("uniform_", *this, [&](const Array& out) { backend_of(*this).uniform(out, gen, low, high); });
}

Tensor& Tensor::normal_(double mean, double std, Generator& gen) {
  check_floating("normal_", *this);
  return update("normal_", *this, [&](const Array& out) { backend_of(*this).normal(out, gen, mean, std); });
}

// ---- method forms ----

Tensor Tensor::sum() const { return muse::sum(*this); }
Tensor Tensor::sum(const Dims& d, bool k) const { return muse::sum(*this, d, k); }
Tensor Tensor::mean() const { return muse::mean(*this); }
Tensor Tensor::mean(const Dims& d, bool k) const { return muse::mean(*this, d, k); }
Tensor Tensor::max() const { return muse::max(*this); }
ValuesIndices Tensor::max(int64_t d, bool k) const { return muse::max(*this, d, k); }
Tensor Tensor::min() const { return muse::min(*this); }
ValuesIndices Tensor::min(int64_t d, bool k) const { return muse::min(*this, d, k); }
Tensor Tensor::argmax() const { return muse::argmax(*this); }
Tensor Tensor::argmax(int64_t d, bool k) const { return muse::argmax(*this, d, k); }
Tensor Tensor::exp() const { return muse::exp(*this); }
Tensor Tensor::log() const { return muse::log(*this); }
Tensor Tensor::sqrt() const { return muse::sqrt(*this); }
Tensor Tensor::abs() const { return muse::abs(*this); }
Tensor Tensor::tanh() const { return muse::tanh(*this); }
Tensor Tensor::sigmoid() const { return muse::sigmoid(*this); }
Tensor Tensor::relu() const { return muse::relu(*this); }
Tensor Tensor::pow(double e) const { return muse::pow(*this, e); }
Tensor Tensor::matmul(const Tensor& o) const { return muse::matmul(*this, o); }
Tensor Tensor::softmax(int64_t d) const { return muse::softmax(*this, d); }
Tensor Tensor::log_softmax(int64_t d) const { return muse::log_softmax(*this, d); }
Tensor Tensor::masked_fill(const Tensor& m, double v) const { return muse::masked_fill(*this, m, v); }

}  // namespace muse
