// Reading and writing the safetensors format (https://huggingface.co/docs/safetensors), the checkpoint
// format of Hugging Face and PyTorch users:
//   8 bytes     N, the header size (unsigned little-endian)
//   N bytes     JSON {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//                     "__metadata__": {"key": "value", ...}}   (optional, strings only)
//   the rest    the data buffer; each tensor's bytes, row-major little-endian, at [begin, end)
// muse reads and writes the dtypes F32, F64, I64 and BOOL.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "muse/tensor.h"

namespace muse::io {

// Tensors by name, in order (a state_dict).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes tensors (any strides, stored contiguously; GPU tensors are copied back first) in the given
// order, atomically: a failed save leaves any previous file intact. Names must be unique and not
// "__metadata__".
void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafeTensors {
  NamedTensors tensors;  // in the header's order
  std::map<std::string, std::string> metadata;
};

// Reads a file written by muse, PyTorch's safetensors package or any other writer. The whole header is
// validated before any data is read: a truncated, corrupt or hostile file gives a muse::Error naming the
// file and the problem, and nothing larger than the file is ever allocated.
SafeTensors load_safetensors(const std::filesystem::path& path);

}  // namespace muse::io
