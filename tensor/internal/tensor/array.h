// Array: the raw n-dimensional array under every Tensor. It knows nothing of gradients: a block of
// storage plus (shape, strides, offset, dtype). Strides and offset count elements, as in PyTorch.
// Views (reshape, permute, slice, expand, ...) are new Arrays over the same Storage.
#pragma once

#include <cstdint>
#include <memory>

#include "muse/device.h"
#include "muse/dtype.h"
#include "muse/shape.h"

namespace muse {

// One allocation. `version` counts in-place writes, so autograd can tell when a tensor it saved for
// backward has been overwritten.
struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device = Device::CPU;
  uint64_t version = 0;

  Storage(size_t nbytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

// Row-major strides for a contiguous array of this shape.
Shape contiguous_strides(const Shape& shape);

struct Array {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;
  int64_t offset = 0;
  DType dtype = DType::Float32;

  // A fresh, uninitialised, contiguous array.
  static Array empty(const Shape& shape, DType dtype, Device device = Device::CPU);

  bool defined() const { return storage != nullptr; }
  int64_t ndim() const { return shape.size(); }
  int64_t numel() const { return shape.numel(); }
  Device device() const { return storage->device; }
  bool is_contiguous() const;

  template <class T>
  T* data() const {
    return static_cast<T*>(storage->data) + offset;
  }
  void* raw() const { return static_cast<char*>(storage->data) + offset * element_size(dtype); }

  // Views over the same storage. Arguments are already validated by the caller (autograd/).
  Array view(const Shape& new_shape) const;  // requires a contiguous array
  Array permute(const Shape& order) const;
  Array slice(int64_t dim, int64_t start, int64_t length, int64_t step) const;
  Array expand(const Shape& new_shape) const;  // new_shape broadcast-compatible, size-1 dims get stride 0
  Array as_strided(const Shape& new_shape, const Shape& new_strides, int64_t new_offset) const;
};

}  // namespace muse
