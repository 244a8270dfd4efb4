// Tensor: the one user-facing type. A Tensor is a handle (copies share data, like PyTorch's) to an
// n-dimensional array plus its autograd state: requires_grad, the accumulated .grad, and the graph node
// that produced it. The math lives in muse/ops.h; most ops are also methods here, as in PyTorch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "muse/device.h"
#include "muse/dtype.h"
#include "muse/error.h"
#include "muse/generator.h"
#include "muse/shape.h"

namespace muse {

struct TensorImpl;  // autograd/internal: the array, its gradient and its graph node

// A list of dimensions, e.g. sum(x, {0, 2}). Negative dims count from the end.
using Dims = Shape;

// Options for creating tensors, set with designated initializers: zeros({2, 3}, {.dtype = kFloat64}).
struct TensorOptions {
  DType dtype = kFloat32;
  Device device = kCPU;
  bool requires_grad = false;
};

class Tensor;
struct ValuesIndices;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

  // Metadata.
  const Shape& shape() const;
  int64_t size(int64_t dim) const;
  int64_t dim() const;
  int64_t numel() const;
  DType dtype() const;
  Device device() const;
  const Shape& strides() const;
  int64_t stride(int64_t dim) const;
  bool is_contiguous() const;
  bool is_floating_point() const { return is_floating(dtype()); }

  // Autograd. grad() is undefined until a backward pass reaches this tensor (leaves, or tensors that
  // called retain_grad()); backward() adds into it, so zero it between steps.
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  const Tensor& grad() const;
  Tensor& mutable_grad();
  bool is_leaf() const;
  void retain_grad();
  std::string grad_fn_name() const;  // the op that made this tensor, or "" for a leaf
  void backward(const Tensor& gradient = {}, bool retain_graph = false) const;
  Tensor detach() const;  // same data, no graph
  // Makes this leaf hold `data`'s array (shape and dtype may change), keeping its identity, its
  // requires_grad and its .grad, as torch's set_data: how Module::to(dtype) converts parameters that
  // layers and optimizers already hold.
  Tensor& set_data(const Tensor& data);

  // Values. item() needs exactly one element; to_vector() copies out in row-major order.
  double item() const;
  template <class T>
  T item() const {
    return static_cast<T>(item());
  }
  template <class T>
  std::vector<T> to_vector() const;
  // Pointer to the first element; T must match dtype(). Mind strides() unless is_contiguous(). For a
  // CUDA tensor it points into GPU memory.
  template <class T>
  T* data_ptr() const;

  // Views: share storage with this tensor (reshape copies only when a view is impossible).
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor permute(const Dims& order) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;  // transpose of a matrix (or a 1-D tensor unchanged)
  Tensor slice(int64_t dim, std::optional<int64_t> start = {}, std::optional<int64_t> end = {},
               int64_t step = 1) const;  // Python's x[start:end:step] along dim
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;  // x[..., index, ...], dim removed
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor expand(const Shape& shape) const;  // -1 keeps a size
  Tensor expand_as(const Tensor& other) const { return expand(other.shape()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  // A copy on another device (this tensor itself when already there); differentiable: the gradient
  // is copied back. cuda() and cpu() are to(kCUDA) and to(kCPU).
  Tensor to(Device device) const;
  Tensor cuda() const { return to(kCUDA); }
  Tensor cpu() const { return to(kCPU); }

  // In-place updates of the data, for initialisation and optimizers. They refuse tensors that take part
  // in a recorded graph (use them on leaves inside a NoGradGuard, or on tensors without grad).
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);  // src broadcast to this shape, converted to this dtype and device
  Tensor& add_(const Tensor& other, double alpha = 1);  // this += alpha * other
  Tensor& mul_(double value);
  Tensor& uniform_(double low = 0, double high = 1, Generator& gen = default_generator());
  Tensor& normal_(double mean = 0, double std = 1, Generator& gen = default_generator());

  // Method forms of common ops (see muse/ops.h).
  Tensor sum() const;
  Tensor sum(const Dims& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Dims& dims, bool keepdim = false) const;
  Tensor max() const;
  ValuesIndices max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  ValuesIndices min(int64_t dim, bool keepdim = false) const;
  Tensor argmax() const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor pow(double exponent) const;
  Tensor matmul(const Tensor& other) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  Tensor masked_fill(const Tensor& mask, double value) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct ValuesIndices {
  Tensor values;
  Tensor indices;
};

// Prints like PyTorch, with the shape and dtype: tensor([[1., 2.], [3., 4.]], shape=(2, 2), dtype=float32)
std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace muse
