// Our float32 GEMM for CPUs with AVX-512 (tensor/cpu/sgemm.cpp explains the blocking); matmul.cpp uses
// it for float32 products large enough to gain from it. Built only where the compiler targets AVX-512
// (meson passes -march=native); elsewhere matmul stays on Eigen.
#pragma once

#include <cstdint>

namespace muse::cpu {

// A matrix added to a product as its tiles are stored: element (i, j) at p[i * ld + j]. ld = 0 adds the
// same row to every row (a bias); p = c itself (ld = ldc) accumulates; p = nullptr adds nothing.
// (matmul.cpp's Eigen path takes it too, for float64.)
template <class T>
struct Addend {
  const T* p = nullptr;
  int64_t ld = 0;
};

#ifdef __AVX512F__
// c = op(a) @ op(b) + add, overwriting c: (M, N) row-major with leading dimension ldc.
// a is stored (M, K) row-major, or (K, M) when ta (then op(a) = a^T); b is stored (K, N), or (N, K)
// when tb. Shared among the pool's threads unless called from inside a parallel region.
void sgemm(int64_t m, int64_t n, int64_t k, const float* a, bool ta, const float* b, bool tb, float* c,
           int64_t ldc, Addend<float> add = {});

// c = a @ w^T + add for a stored (M, K) and w stored (N, K), both row-major, without packing either: each
// element is a dot product of two contiguous rows (tensor/cpu/sgemm_dot.cpp). sgemm takes this path
// for products with few rows; M, N, K >= 1.
void sgemm_nt_dot(int64_t m, int64_t n, int64_t k, const float* a, const float* w, float* c, int64_t ldc,
                  Addend<float> add = {});
#endif

}  // namespace muse::cpu
