#include "tensor/array.h"

#include "tensor/allocator.h"
#include "tensor/backend.h"

namespace muse {

Storage::Storage(size_t n, Device d) : nbytes(n), device(d) { data = backend(d).allocate(n); }

Storage::~Storage() { backend(device).release(data, nbytes); }

Shape contiguous_strides(const Shape& shape) {
  Shape strides = shape;
  int64_t stride = 1;
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape[i] > 0 ? shape[i] : 1;
  }
  return strides;
}

Array Array::empty(const Shape& shape, DType dtype, Device device) {
  int64_t bytes = static_cast<int64_t>(element_size(dtype));
  for (int64_t s : shape) {
    check(s >= 0, "empty: negative size in shape ", shape);
    check(!__builtin_mul_overflow(bytes, s, &bytes), "empty: shape ", shape, " of ", dtype,
          " needs more bytes than fit in 64 bits");
  }
  Array a;
  a.storage = std::make_shared<Storage>(static_cast<size_t>(bytes), device);
  a.shape = shape;
  a.strides = contiguous_strides(shape);
  a.dtype = dtype;
  return a;
}

bool Array::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = ndim() - 1; i >= 0; --i) {
    if (shape[i] == 1) continue;  // a size-1 dim's stride never matters
    if (strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

Array Array::view(const Shape& new_shape) const {
  Array a = *this;
  a.shape = new_shape;
  a.strides = contiguous_strides(new_shape);
  return a;
}

Array Array::permute(const Shape& order) const {
  Array a = *this;
  for (int64_t i = 0; i < ndim(); ++i) {
    a.shape[i] = shape[order[i]];
    a.strides[i] = strides[order[i]];
  }
  return a;
}

Array Array::slice(int64_t dim, int64_t start, int64_t length, int64_t step) const {
  Array a = *this;
  a.offset += start * strides[dim];
  a.shape[dim] = length;
  a.strides[dim] *= step;
  return a;
}

Array Array::expand(const Shape& new_shape) const {
  Array a = *this;
  int64_t lead = new_shape.size() - ndim();
  a.shape = new_shape;
  a.strides = new_shape;
  for (int64_t i = 0; i < new_shape.size(); ++i) {
    int64_t j = i - lead;
    bool broadcast = j < 0 || (shape[j] == 1 && new_shape[i] != 1);
    a.strides[i] = broadcast ? 0 : strides[j];
  }
  return a;
}

Array Array::as_strided(const Shape& new_shape, const Shape& new_strides, int64_t new_offset) const {
  Array a = *this;
  a.shape = new_shape;
  a.strides = new_strides;
  a.offset = new_offset;
  return a;
}

}  // namespace muse
