// MUSE_HD marks per-element math that both the CPU kernels and the CUDA kernels run.
#pragma once

#if defined(__CUDACC__)
#define MUSE_HD __host__ __device__
#else
#define MUSE_HD
#endif
