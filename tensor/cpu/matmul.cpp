// Batched matrix product, threaded with our own pool:  c[i] = op(a[i]) @ op(b[i]) (+ add[i]).
// float32 products of medium and large shapes go to our AVX-512 GEMM (tensor/cpu/sgemm.cpp); float64,
// small or thin float32 products, and builds without AVX-512 use Eigen as below.
// Our arrays are row-major, so each operand is an Eigen::Map of a row-major matrix over our buffer
// (never a copy); a transposed operand is the same buffer mapped with its stored shape and then
// .transpose()d, which Eigen's GEMM packs directly.
// Eigen threads its GEMM with OpenMP, which would be a second thread pool competing for the cores; it is
// switched off here. Instead the output is cut into one block of columns per thread (of rows when N is
// small), each block a single-threaded Eigen product; a large batch is shared out by batch index.
// (bench/ceiling.cpp builds Eigen with OpenMP, but on column-major matrices: its template instances
// differ from these row-major maps, so the linker never swaps its threaded code in for ours.)
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>
#include <algorithm>
#include <type_traits>

#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/cpu/sgemm.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

template <class T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ConstMap = Eigen::Map<const RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using Map = Eigen::Map<RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

// Below this many multiply-adds a product stays on one thread: waking a worker costs microseconds.
constexpr int64_t kMinParallelWork = int64_t{1} << 17;
// Blocks of columns or rows start at multiples of this, so each thread sees whole register tiles.
constexpr int64_t kAlign = 16;

struct Dims {
  int64_t m, n, k;
};

// c[r0:r1, j0:j1] = op(a)[r0:r1, :] @ op(b)[:, j0:j1] (+ add's block) for one (M, K) x (K, N) product,
// where a is stored (M, K), or (K, M) when ta, and b is stored (K, N), or (N, K) when tb.
template <class T>
void product_block(const T* a, bool ta, const T* b, bool tb, T* c, Addend<T> add, Dims d, int64_t r0, int64_t r1,
                   int64_t j0, int64_t j1) {
  using Stride = Eigen::OuterStride<>;
  int64_t rows = r1 - r0, cols = j1 - j0;
  Map<T> cm(c + r0 * d.n + j0, rows, cols, Stride(d.n));
  if (add.p) {  // c's block starts as add's (which may be c itself), then the product is added
    for (int64_t i = r0; i < r1; ++i)
      for (int64_t j = j0; j < j1; ++j) c[i * d.n + j] = add.p[i * add.ld + j];
  } else if (d.k == 0) {
    cm.setZero();  // an empty sum
  }
  if (d.k == 0) return;
  auto times = [&](const auto& am, const auto& bm) {
    if (add.p)
      cm.noalias() += am * bm;
    else
      cm.noalias() = am * bm;
  };
  auto times_b = [&](const auto& am) {
    if (tb)  // rows j0:j1 of the stored (N, K) matrix, transposed
      times(am, ConstMap<T>(b + j0 * d.k, cols, d.k, Stride(d.k)).transpose());
    else
      times(am, ConstMap<T>(b + j0, d.k, cols, Stride(d.n)));
  };
  if (ta)  // columns r0:r1 of the stored (K, M) matrix, transposed
    times_b(ConstMap<T>(a + r0, d.k, rows, Stride(d.m)).transpose());
  else
    times_b(ConstMap<T>(a + r0 * d.k, rows, d.k, Stride(d.k)));
}

// A split point of parallel_for rounded down to a multiple of kAlign (the end of the range stays).
int64_t aligned(int64_t x, int64_t n) { return x == n ? n : x / kAlign * kAlign; }

// One product shared among the threads: by columns when N is at least M, else by rows.
template <class T>
void product(const T* a, bool ta, const T* b, bool tb, T* c, Addend<T> add, Dims d) {
  if (d.m * d.n * d.k < kMinParallelWork || parallel::num_threads() == 1) {
    product_block(a, ta, b, tb, c, add, d, 0, d.m, 0, d.n);
    return;
  }
  bool by_columns = d.n >= d.m;
  int64_t extent = by_columns ? d.n : d.m;
  parallel::parallel_for(extent, 1, [&](int64_t begin, int64_t end) {
    int64_t lo = aligned(begin, extent), hi = aligned(end, extent);
    if (lo >= hi) return;
    if (by_columns)
      product_block(a, ta, b, tb, c, add, d, 0, d.m, lo, hi);
    else
      product_block(a, ta, b, tb, c, add, d, lo, hi, 0, d.n);
  });
}

// Whether a float32 product goes to sgemm. Measured single-threaded on Zen 5 against the Eigen path
// (us per product): sgemm wins from 16 x 64 x 64 up (64^3: 3.4 against 3.9; 128^3: 23 against 28;
// 64 x 256 x 100: 17 against 22), even at K = 1 (64 x 256 x 1: 0.7 against 1.5) and with few rows
// (4 x 1024 x 1024: 146 against 169). Eigen wins on matrix-vector products (1 x 256 x 64: 0.5 against
// 1.9; 64 x 1 x 256: 0.6 against 13), below 64 columns, where most of sgemm's 64-wide tile is padding
// (1024 x 16 x 1024: 283 against 806), and under 2^16 multiply-adds (32 x 32 x 64: 1.1 against 1.9).
#ifdef __AVX512F__
bool use_sgemm(Dims d) { return d.m >= 4 && d.n >= 64 && d.m * d.n * d.k >= (int64_t{1} << 16); }
#endif

}  // namespace

void matmul(const Array& a, bool trans_a, const Array& b, bool trans_b, const Array& c, const Array& add) {
  int64_t batch = c.shape[0];
  Dims d{c.shape[1], c.shape[2], trans_a ? a.shape[1] : a.shape[2]};
  if (batch * d.m * d.n == 0) return;
  dispatch_float(c.dtype, "matmul", [&]<class T>() {
    // A batch of 1 is reused for every output (broadcast batch dims).
    int64_t step_a = a.shape[0] == 1 ? 0 : d.m * d.k, step_b = b.shape[0] == 1 ? 0 : d.k * d.n;
    const T *pa = a.data<T>(), *pb = b.data<T>();
    T* pc = c.data<T>();
    // add: c's shape with unit stride along N; its other strides may be 0 (a broadcast bias).
    const T* padd = add.defined() ? add.data<T>() : nullptr;
    // Product i, shared among the threads (split) or on the calling thread.
    auto run_item = [&](int64_t i, bool split) {
      const T *ai = pa + i * step_a, *bi = pb + i * step_b;
      T* ci = pc + i * d.m * d.n;
      Addend<T> addi{padd ? padd + i * add.strides[0] : nullptr, padd ? add.strides[1] : 0};
#ifdef __AVX512F__
      if constexpr (std::is_same_v<T, float>) {
        if (use_sgemm(d)) {  // shares the product among the threads itself unless inside a parallel region
          sgemm(d.m, d.n, d.k, ai, trans_a, bi, trans_b, ci, d.n, addi);
          return;
        }
      }
#endif
      if (split)
        product(ai, trans_a, bi, trans_b, ci, addi, d);
      else
        product_block(ai, trans_a, bi, trans_b, ci, addi, d, 0, d.m, 0, d.n);
    };
    // Whole products per thread when the batch divides evenly or is large, or each product is small.
    int threads = parallel::num_threads();
    int64_t work = d.m * d.n * d.k;
    if (batch > 1 && (batch % threads == 0 || batch >= 4 * threads || work < kMinParallelWork)) {
      int64_t grain = std::max<int64_t>(1, kMinParallelWork / std::max<int64_t>(work, 1));
      parallel::parallel_for(batch, grain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) run_item(i, false);
      });
      return;
    }
    for (int64_t i = 0; i < batch; ++i) run_item(i, true);
  });
}

}  // namespace muse::cpu
