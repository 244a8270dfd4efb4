// The raw bytes of a tensor's elements, for code that moves tensors to and from files and buffers.
#pragma once

#include <cstddef>
#include <span>

#include "muse/tensor.h"

namespace muse::io {

// The numel() * element_size bytes of a contiguous CPU tensor, in row-major order. Writing through the
// span changes the tensor (use it on fresh tensors only: autograd does not see such writes).
std::span<std::byte> tensor_bytes(const Tensor& t);

}  // namespace muse::io
