// Batched matrix product on cuBLAS:  c[i] = op(a[i]) @ op(b[i]).
// Our arrays are row-major and cuBLAS is column-major. A row-major (R, C) matrix is, as stored, the
// column-major (C, R) matrix: its transpose. So instead of C = op(A) op(B) we ask cuBLAS for
//   C^T = op(B)^T op(A)^T,
// passing B first: a B stored (K, N) is already op(B)^T in cuBLAS's eyes (no transpose, ld N), a B
// stored (N, K) for trans_b needs cuBLAS's transpose (ld K); the same for A. A batch of 1 is reused
// for every product with a batch stride of 0.
// TF32 (tensor cores on float32 with 10-bit mantissas) is off unless set_allow_tf32(true).
// With an addend, c is first set to it (one broadcasting copy) and cuBLAS adds the product (beta = 1).
#include <atomic>
#include <climits>

#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "muse/cuda.h"

namespace muse::cuda {
namespace {

std::atomic<bool> g_allow_tf32{false};

cublasHandle_t handle() {
  static cublasHandle_t h = [] {
    cublasHandle_t created = nullptr;
    MUSE_CUBLAS_CHECK(cublasCreate(&created));
    return created;
  }();
  return h;
}

struct Gemm {
  cublasOperation_t op_a, op_b;  // cuBLAS's view: its A is our b, its B is our a
  int m, n, k, lda, ldb, ldc;
  long long stride_a, stride_b, stride_c;
  int batch;
};

// A single product goes to the plain GEMM, whose kernel choice is better tuned than the batched one's.
cublasStatus_t gemm(cublasHandle_t h, const Gemm& g, const float* a, const float* b, float* c, float beta) {
  const float one = 1;
  if (g.batch == 1)
    return cublasSgemm(h, g.op_a, g.op_b, g.m, g.n, g.k, &one, a, g.lda, b, g.ldb, &beta, c, g.ldc);
  return cublasSgemmStridedBatched(h, g.op_a, g.op_b, g.m, g.n, g.k, &one, a, g.lda, g.stride_a, b, g.ldb,
                                   g.stride_b, &beta, c, g.ldc, g.stride_c, g.batch);
}
cublasStatus_t gemm(cublasHandle_t h, const Gemm& g, const double* a, const double* b, double* c, double beta) {
  const double one = 1;
  if (g.batch == 1)
    return cublasDgemm(h, g.op_a, g.op_b, g.m, g.n, g.k, &one, a, g.lda, b, g.ldb, &beta, c, g.ldc);
  return cublasDgemmStridedBatched(h, g.op_a, g.op_b, g.m, g.n, g.k, &one, a, g.lda, g.stride_a, b, g.ldb,
                                   g.stride_b, &beta, c, g.ldc, g.stride_c, g.batch);
}

}  // namespace

void set_allow_tf32(bool allow) { g_allow_tf32 = allow; }
bool allow_tf32() { return g_allow_tf32; }

void matmul(const Array& a, bool trans_a, const Array& b, bool trans_b, const Array& c, const Array& add) {
  int64_t batch = c.shape[0], m = c.shape[1], n = c.shape[2], k = trans_a ? a.shape[1] : a.shape[2];
  if (batch * m * n == 0) return;
  bool in_place = add.defined() && add.raw() == c.raw() && add.strides == c.strides;
  if (add.defined() && !in_place) copy(add, c);
  if (k == 0) {  // an empty sum
    if (!add.defined()) fill(c, 0);
    return;
  }
  for (int64_t s : {batch, m, n, k})
    check(s <= INT_MAX, "matmul: sizes (", batch, ", ", m, ", ", k, ") x (", k, ", ", n,
          ") exceed cuBLAS's 32-bit limits");
  cublasHandle_t h = handle();
  MUSE_CUBLAS_CHECK(cublasSetMathMode(h, g_allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  Gemm g{trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
         trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
         static_cast<int>(n), static_cast<int>(m), static_cast<int>(k),
         static_cast<int>(trans_b ? k : n), static_cast<int>(trans_a ? m : k), static_cast<int>(n),
         b.shape[0] == 1 ? 0 : k * n, a.shape[0] == 1 ? 0 : m * k, m * n,
         static_cast<int>(batch)};
  dispatch_float(c.dtype, "matmul", [&]<class T>() {
    MUSE_CUBLAS_CHECK(gemm(h, g, b.data<T>(), a.data<T>(), c.data<T>(), add.defined() ? T(1) : T(0)));
  });
}

}  // namespace muse::cuda
