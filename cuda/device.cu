// Device queries, the error reporting behind the MUSE_*_CHECK macros, and the allocator's public face.
// A machine without a GPU (or without a driver) makes cudaGetDeviceCount fail; that is reported as
// zero devices, not as an error.
#include <cuda_runtime.h>

#include "cuda/allocator.h"
#include "cuda/check.h"
#include "cuda/launch.h"
#include "muse/cuda.h"
#include "muse/error.h"

namespace muse::cuda {

void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  throw Error(str("cuda: ", call, " failed (", file, ":", line, "): ", cudaGetErrorName(err), ": ",
                  cudaGetErrorString(err)));
}

void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line) {
  throw Error(str("cuda: ", call, " failed (", file, ":", line, "): ", cublasGetStatusName(status), ": ",
                  cublasGetStatusString(status)));
}

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
  MUSE_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  return prop.name;
}

int sm_count() {
  static const int count = [] {
    int device = 0, sms = 0;
    MUSE_CUDA_CHECK(cudaGetDevice(&device));
    MUSE_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    return sms;
  }();
  return count;
}

void synchronize() { MUSE_CUDA_CHECK(cudaDeviceSynchronize()); }

MemoryStats memory_stats() { return allocator::stats(); }
void empty_cache() { allocator::empty_cache(); }

}  // namespace muse::cuda
