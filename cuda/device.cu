// Device queries through the CUDA runtime. A machine without a GPU (or without a driver) makes
// cudaGetDeviceCount fail; that is reported as zero devices, not as an error.
#include <cuda_runtime.h>

#include "muse/cuda.h"
#include "muse/error.h"

namespace muse::cuda {

bool built_with_cuda() { return true; }

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return 0;
  }
  return n;
}

bool is_available() { return device_count() > 0; }

std::string device_name(int index) {
  int n = device_count();
  check(index >= 0 && index < n, "cuda::device_name: device ", index, " does not exist (", n, " devices)");
  cudaDeviceProp prop{};
  cudaError_t err = cudaGetDeviceProperties(&prop, index);
  check(err == cudaSuccess, "cuda::device_name: cudaGetDeviceProperties failed: ", cudaGetErrorString(err));
  return prop.name;
}

}  // namespace muse::cuda
