// float32 GEMM in AVX-512 intrinsics, blocked the way BLIS does it:  C (M, N) = op(A) (M, K) @ op(B) (K, N).
// References: Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (2008); Van Zee &
// van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS Functionality" (2015).
//
// Five loops around a register-tiled micro-kernel; each level keeps one operand in one cache level:
//   for jc in N step NC:                  this thread's columns
//     for pc in K step KC:                pack op(B)[pc:+KC, jc:+NC] into Bp, panels of (KC, NR)   (L3 / L2)
//       for ic in M step MC:              pack op(A)[ic:+MC, pc:+KC] into Ap, panels of (KC, MR)   (L2)
//         for jr in NC step NR:           one panel of Bp, (KC, NR), stays in L1 while
//           for ir in MC step MR:         the micro-kernel does C[ir:+MR, jr:+NR] (+)= Ap_ir @ Bp_jr
// Packing copies each block into the exact order the micro-kernel reads it (unit stride, 64-byte aligned),
// and that is where the transposes are absorbed: op(A) and op(B) are only ever read through packing.
// Edges: packing pads a partial panel with zeros, so the micro-kernel always computes a full MR x NR tile,
// and only the valid rows and columns are stored (masked stores).
#ifdef __AVX512F__
#include "tensor/cpu/sgemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "muse/error.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

// The micro-kernel's tile, MR x NR = 6 x 64 floats. The C tile lives in 24 zmm registers (6 rows of
// four 16-float vectors); of the 32 registers, 4 more hold Bp's row and 1 A's broadcast. Each step k
// loads 4 vectors of Bp's row k, broadcasts 6 values of Ap's column k and issues 24 FMAs: 10 loads per
// 24 FMAs, within Zen 5's two loads per cycle beside its two 512-bit FMAs. An FMA's result is ready 4
// cycles later, so two pipes need at least 8 independent accumulators in flight; 24 leave room.
// Arithmetic intensity: 6 * 64 = 384 multiply-adds per 6 + 64 = 70 floats read (5.5); 14 x 32 (28
// registers) reads less, 448 per 46 (9.7), yet measured single-threaded on Zen 5 both reach about 90%
// of the FMA peak at 512^3, and at M = 64 (every nn::Linear of a batch of 64) 6 x 64 wastes 4 padded
// rows of 66 where 14 x 32 wastes 6 of 70: 84% against 69% of the peak for 64 x 1024 x 512.
constexpr int kMR = 6;
constexpr int kNV = 4;  // zmm vectors per tile row
constexpr int kNR = 16 * kNV;
// KC: Bp's (KC, NR) panel, 128 * 64 * 4 B = 32 KiB, stays in the 48 KiB L1 while the micro-kernel
// walks down Ap's panels; Ap's (MR, KC) panel is 3 KiB. (KC = 256 makes Bp's panel spill to L2; on a
// loaded machine 128 measured as fast or a little faster.)
// MC: Ap's (MC, KC) block, 672 * 128 * 4 B = 336 KiB, takes a third of the 1 MiB L2.
// NC: Bp's (KC, NC) block, 1 MiB, comes from L3 once per MC block.
constexpr int64_t kKC = 128;
constexpr int64_t kMC = 112 * kMR;
constexpr int64_t kNC = 32 * kNR;
// Below this many multiply-adds a product stays on the calling thread: waking a worker costs microseconds.
constexpr int64_t kMinParallelWork = int64_t{1} << 17;

// a @ b^T goes to sgemm_nt_dot (sgemm_dot.cpp) up to this many rows of a, from this depth K on. Measured
// on two threads (us, blocked against dot): 32 x 2048 x 512 (an LSTM step) 250 against 195; 128 x 400 x
// 784 326 against 187; 256 x 2048 x 512 1426 against 1326; 64 x 256 x 100 11.2 against 13.0; 128 x 400
// x 20 9.8 against 24.2: short rows leave the dot path's final sums (a shuffle tree per 8 outputs) unpaid for.
constexpr int64_t kDotMaxRows = 256;
constexpr int64_t kDotMinDepth = 128;

// An operand as the product sees it: op(X)(r, s) = t ? p[s * ld + r] : p[r * ld + s].
struct Operand {
  const float* p;
  int64_t ld;
  bool t;
};

// 64-byte aligned packing buffers, one pair per thread, grown when needed and then reused: a fresh
// allocation per call would page-fault its way through megabytes on every product.
class Buffer {
 public:
  float* get(int64_t floats) {
    if (floats > capacity_) {
      size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
      data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      capacity_ = data_ ? floats : 0;
      check(data_ != nullptr, "matmul: out of memory: cannot allocate ", bytes, " bytes of packing buffer");
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
  int64_t capacity_ = 0;
};

thread_local Buffer t_pack_a, t_pack_b;

// Lanes [0, count) of a 16-float vector (count may be <= 0 or >= 16).
__mmask16 lanes(int64_t count) {
  return count >= 16 ? __mmask16(0xFFFF) : count <= 0 ? __mmask16(0) : __mmask16((1u << count) - 1);
}

// Ap <- op(A)[r0:r0+mc, p0:p0+kc] as panels of MR rows; panel i holds (kc, MR), row-major, zero-padded.
void pack_a(Operand a, int64_t r0, int64_t mc, int64_t p0, int64_t kc, float* ap) {
  for (int64_t i0 = 0; i0 < mc; i0 += kMR, ap += kc * kMR) {
    int64_t rows = std::min<int64_t>(kMR, mc - i0);
    if (a.t) {  // op(A)'s column p is stored contiguously: MR floats per step
      const float* src = a.p + p0 * a.ld + r0 + i0;
      __mmask16 mask = lanes(rows);
      for (int64_t p = 0; p < kc; ++p)
        _mm512_mask_storeu_ps(ap + p * kMR, __mmask16((1u << kMR) - 1), _mm512_maskz_loadu_ps(mask, src + p * a.ld));
    } else {  // op(A)'s row i is stored contiguously: read along it, write with stride MR
      for (int64_t i = 0; i < kMR; ++i) {
        const float* src = a.p + (r0 + i0 + i) * a.ld + p0;
        for (int64_t p = 0; p < kc; ++p) ap[p * kMR + i] = i < rows ? src[p] : 0.0f;
      }
    }
  }
}

// Transposes a 16 x 16 block held as 16 row vectors, in four rounds of shuffles: pairs of rows swap
// single floats (unpack), then pairs of floats (shuffle_ps), then 128-bit and 256-bit quarters
// (shuffle_f32x4), each round merging rows 1, 2, 4 and 8 apart.
void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int h = 0; h < 16; h += 8)
    for (int i = h; i < h + 4; ++i) {
      t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
      t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
  }
}

// Bp's panel from op(B) = b^T: (kc, NR) from NR rows of b, read 16 x 16 blocks at a time, transposed
// in registers (a float-by-float copy would write each float to its own cache line).
void pack_b_transposed(Operand b, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* bp) {
  for (int64_t p = 0; p < kc; p += 16) {
    int64_t steps = std::min<int64_t>(16, kc - p);
    for (int v = 0; v < kNV; ++v) {
      __m512 r[16];
      for (int64_t j = 0; j < 16; ++j) {
        int64_t col = 16 * v + j;
        r[j] = col < cols ? _mm512_maskz_loadu_ps(lanes(steps), b.p + (j0 + col) * b.ld + p0 + p) : _mm512_setzero_ps();
      }
      transpose16(r);
      for (int64_t q = 0; q < steps; ++q) _mm512_store_ps(bp + (p + q) * kNR + 16 * v, r[q]);
    }
  }
}

// Bp <- op(B)[p0:p0+kc, j0:j0+nc] as panels of NR columns; panel j holds (kc, NR), row-major, zero-padded.
void pack_b(Operand b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* bp) {
  for (int64_t jj = 0; jj < nc; jj += kNR, bp += kc * kNR) {
    int64_t cols = std::min<int64_t>(kNR, nc - jj);
    if (!b.t) {  // op(B)'s row p is stored contiguously: NR floats per step
      const float* src = b.p + p0 * b.ld + j0 + jj;
      for (int64_t p = 0; p < kc; ++p)
        for (int v = 0; v < kNV; ++v)
          _mm512_store_ps(bp + p * kNR + 16 * v, _mm512_maskz_loadu_ps(lanes(cols - 16 * v), src + p * b.ld + 16 * v));
    } else {  // op(B)'s column j is stored contiguously
      pack_b_transposed(b, p0, kc, j0 + jj, cols, bp);
    }
  }
}

// C[0:mr, 0:nr] = ap (MR, kc)^T-panel @ bp (kc, NR)-panel (+ add[0:mr, 0:nr], rows ld_add apart, when add
// is not null; add = c accumulates): the whole product's arithmetic happens here. The tile's rows and
// vectors are compile-time constants, so acc stays in registers.
void micro_kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t mr, int64_t nr,
                  const float* add, int64_t ld_add) {
  // The tile of C (and of add) is read or written once, after kc steps: ask for its lines now, so that
  // they arrive from L3 or memory while the FMAs run (C of a 2048^3 product is 16 MiB).
  for (int i = 0; i < mr; ++i) {
    for (int v = 0; v < kNV; ++v) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * v), _MM_HINT_T0);
      if (add && add != c) _mm_prefetch(reinterpret_cast<const char*>(add + i * ld_add + 16 * v), _MM_HINT_T0);
    }
  }
  __m512 acc[kMR][kNV];
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i)
    for (int v = 0; v < kNV; ++v) acc[i][v] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, ap += kMR, bp += kNR) {
    __m512 b[kNV];
    for (int v = 0; v < kNV; ++v) b[v] = _mm512_load_ps(bp + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < kMR; ++i) {
      __m512 ai = _mm512_set1_ps(ap[i]);
      for (int v = 0; v < kNV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, b[v], acc[i][v]);
    }
  }
  __mmask16 mask[kNV];
  for (int v = 0; v < kNV; ++v) mask[v] = lanes(nr - 16 * v);
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i) {
    if (i >= mr) break;
    for (int v = 0; v < kNV; ++v) {
      __m512 sum = add ? _mm512_add_ps(acc[i][v], _mm512_maskz_loadu_ps(mask[v], add + i * ld_add + 16 * v))
                       : acc[i][v];
      _mm512_mask_storeu_ps(c + i * ldc + 16 * v, mask[v], sum);
    }
  }
}

// C[r0:r1, j0:j1] = op(A)[r0:r1, :] @ op(B)[:, j0:j1] (+ add's block) on the calling thread, with its own
// packing buffers. The first K block's tiles add `add`; each later one adds onto C.
void gemm_block(Operand a, Operand b, float* c, int64_t ldc, Addend<float> add, int64_t k, int64_t r0, int64_t r1,
                int64_t j0, int64_t j1) {
  int64_t kc_max = std::min(k, kKC);
  float* ap = t_pack_a.get(kc_max * std::min((r1 - r0 + kMR - 1) / kMR * kMR, kMC));
  float* bp = t_pack_b.get(kc_max * std::min((j1 - j0 + kNR - 1) / kNR * kNR, kNC));
  for (int64_t jc = j0; jc < j1; jc += kNC) {
    int64_t nc = std::min(kNC, j1 - jc);
    for (int64_t pc = 0; pc < k; pc += kKC) {
      int64_t kc = std::min(kKC, k - pc);
      pack_b(b, pc, kc, jc, nc, bp);
      for (int64_t ic = r0; ic < r1; ic += kMC) {
        int64_t mc = std::min(kMC, r1 - ic);
        pack_a(a, ic, mc, pc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            float* ct = c + (ic + ir) * ldc + jc + jr;
            const float* at = pc > 0 ? ct : add.p ? add.p + (ic + ir) * add.ld + jc + jr : nullptr;
            micro_kernel(kc, ap + ir * kc, bp + jr * kc, ct, ldc, std::min<int64_t>(kMR, mc - ir),
                         std::min<int64_t>(kNR, nc - jr), at, pc > 0 ? ldc : add.ld);
          }
        }
      }
    }
  }
}

}  // namespace

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, bool ta, const float* b, bool tb, float* c,
           int64_t ldc, Addend<float> add) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = add.p ? add.p[i * add.ld + j] : 0.0f;
    return;
  }
  if (!ta && tb && m <= kDotMaxRows && k >= kDotMinDepth) {  // a @ b^T with few rows: no packing
    sgemm_nt_dot(m, n, k, a, b, c, ldc, add);
    return;
  }
  Operand oa{a, ta ? m : k, ta}, ob{b, tb ? k : n, tb};
  if (m * n * k < kMinParallelWork || parallel::num_threads() == 1 || parallel::in_parallel_region()) {
    gemm_block(oa, ob, c, ldc, add, k, 0, m, 0, n);
    return;
  }
  // Each thread takes a range of whole NR panels of columns (each packs its own Bp, and all of op(A)),
  // or of MR panels of rows when C is taller than wide.
  bool by_columns = n >= m;
  int64_t tile = by_columns ? kNR : kMR, extent = by_columns ? n : m;
  parallel::parallel_for((extent + tile - 1) / tile, 1, [&](int64_t begin, int64_t end) {
    int64_t lo = begin * tile, hi = std::min(extent, end * tile);
    if (by_columns)
      gemm_block(oa, ob, c, ldc, add, k, 0, m, lo, hi);
    else
      gemm_block(oa, ob, c, ldc, add, k, lo, hi, 0, n);
  });
}

}  // namespace muse::cpu
#endif  // __AVX512F__
