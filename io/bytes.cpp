#include "muse/io/bytes.h"

namespace muse::io {

std::span<std::byte> tensor_bytes(const Tensor& t) {
  check(t.defined(), "tensor_bytes: the tensor is undefined");
  check(t.device() == kCPU, "tensor_bytes: the tensor must be on the CPU, got ", t.device());
  if (t.numel() == 0) return {};  // (tensor/ calls a fresh (2, 0) array non-contiguous: strides (1, 1))
  check(t.is_contiguous(), "tensor_bytes: the tensor must be contiguous (shape ", t.shape(), ", strides ",
        t.strides(), ")");
  void* data = nullptr;
  switch (t.dtype()) {
    case DType::Float32: data = t.data_ptr<float>(); break;
    case DType::Float64: data = t.data_ptr<double>(); break;
    case DType::Int64: data = t.data_ptr<int64_t>(); break;
    case DType::Bool: data = t.data_ptr<bool>(); break;
  }
  return {static_cast<std::byte*>(data), static_cast<size_t>(t.numel()) * element_size(t.dtype())};
}

}  // namespace muse::io
