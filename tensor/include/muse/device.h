// Where a tensor's storage lives: host memory or the GPU (when muse is built with CUDA).
#pragma once

#include <ostream>

namespace muse {

enum class Device : uint8_t { CPU, CUDA };

inline constexpr Device kCPU = Device::CPU;
inline constexpr Device kCUDA = Device::CUDA;

inline std::ostream& operator<<(std::ostream& out, Device d) {
  return out << (d == Device::CPU ? "cpu" : "cuda");
}

}  // namespace muse
