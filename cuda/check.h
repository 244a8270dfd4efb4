// Error checking for every CUDA runtime call, every cuBLAS call and every kernel launch. A failure
// throws muse::Error naming the call, where it was made, and CUDA's own description of the error.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace muse::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line);

}  // namespace muse::cuda

#define MUSE_CUDA_CHECK(call)                                                          \
  do {                                                                                 \
    cudaError_t muse_err_ = (call);                                                    \
    if (muse_err_ != cudaSuccess) ::muse::cuda::throw_cuda_error(muse_err_, #call, __FILE__, __LINE__); \
  } while (0)

#define MUSE_CUBLAS_CHECK(call)                                                        \
  do {                                                                                 \
    cublasStatus_t muse_status_ = (call);                                              \
    if (muse_status_ != CUBLAS_STATUS_SUCCESS)                                         \
      ::muse::cuda::throw_cublas_error(muse_status_, #call, __FILE__, __LINE__);       \
  } while (0)

// After every <<<...>>> launch: a bad launch configuration is reported at the launch that made it.
// (Errors inside a kernel surface at the next synchronising call, which is checked too.)
#define MUSE_LAUNCH_CHECK() MUSE_CUDA_CHECK(cudaGetLastError())
