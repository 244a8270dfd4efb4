// float32 C (M, N) = A (M, K) @ W^T with W stored (N, K) and M small: nn::Linear's product at small
// batches, and an LSTM's recurrent product h W_hh^T at every time step. C[i][j] is the dot product of
// row i of A with row j of W, and both rows are contiguous, so nothing needs packing. sgemm's blocked
// path instead copies all of W into its panel order on every call, N * K floats read and written for
// M multiply-adds per float: at M = 32 that copy was 14% of the lstm_lm inference profile.
//
// Tile: MR = 3 rows of A by NR = 8 rows of W, in 24 accumulators of 16 lanes. Step p (16 floats of K)
// loads 3 vectors of A and 8 of W and issues 24 FMAs, acc[i][j] += a_i[p:p+16] * w_j[p:p+16] lane by
// lane: 11 loads per 24 FMAs; 512-bit loads issue about one per cycle here, so they fit in the 12 cycles
// the two FMA pipes take (the loaded W vector must stay in a register: see step below). After the last
// step the 16 lanes of acc[i][j] sum to C[i][j]; a tree of shuffles turns acc[i][0..7] into the 8
// floats C[i][j0:j0+8] (about 2 shuffles per accumulator, against K / 16 FMAs: 32 at K = 512).
// Loops: each thread takes a range of W's 8-row tiles; a tile of W (8 K floats, 16 KiB at K = 512)
// stays in L1 while every 3-row tile of A (all of A: 64 KiB at M = 32) streams past it from L2.
#ifdef __AVX512F__
#include <immintrin.h>

#include <algorithm>

#include "tensor/cpu/sgemm.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

constexpr int kMR = 3;
constexpr int kNR = 8;
// Below this many multiply-adds a product stays on the calling thread (as in sgemm.cpp).
constexpr int64_t kMinParallelWork = int64_t{1} << 17;

// out[j] = sum of the 16 lanes of v[j], j = 0..7. Each round adds two halves of every vector, packing
// twice as many vectors' partial sums into each register: 8 vectors of 16 partials, then 4 of (2 x 8),
// 2 of (4 x 4), 1 of (8 x 2), and a last pairwise add leaves each total in one lane.
__m256 sum_lanes8(const __m512 v[8]) {
  __m512 t[4], u[2];
  for (int q = 0; q < 4; ++q)  // t[q]: blocks 0-1 hold v[2q]'s halves summed, blocks 2-3 v[2q+1]'s
    t[q] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * q], v[2 * q + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_f32x4(v[2 * q], v[2 * q + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  for (int r = 0; r < 2; ++r)  // u[r]: 128-bit block b holds 4 partial sums of v[4r + b]
    u[r] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * r], t[2 * r + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(t[2 * r], t[2 * r + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  // Block b: lanes 0-1 two partial sums of v[b], lanes 2-3 two of v[b + 4]; then each pair summed.
  __m512 s = _mm512_add_ps(_mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)),
                           _mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
  s = _mm512_add_ps(s, _mm512_permute_ps(s, _MM_SHUFFLE(2, 3, 0, 1)));
  // v[b]'s total is in lane 4b, v[b + 4]'s in lane 4b + 2.
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 2, 6, 10, 14, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_castps512_ps256(_mm512_permutexvar_ps(order, s));
}

// C[i][j0:j0+cols] (+ add[i][0:cols]) for the 3 rows a[i] (c[i] null: a padding row, not stored) against
// the 8 rows w[j] (those past cols are padding, repeated rows, and not stored).
void dot_tile(const float* const a[kMR], const float* const w[kNR], int64_t k, float* const c[kMR],
              const float* const add[kMR], int cols) {
  __m512 acc[kMR][kNR];
#pragma GCC unroll 3
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < kNR; ++j) acc[i][j] = _mm512_setzero_ps();
  auto step = [&](int64_t p, __mmask16 m) {
    __m512 av[kMR];
#pragma GCC unroll 3
    for (int i = 0; i < kMR; ++i) av[i] = _mm512_maskz_loadu_ps(m, a[i] + p);
#pragma GCC unroll 8
    for (int j = 0; j < kNR; ++j) {
      __m512 wv = _mm512_maskz_loadu_ps(m, w[j] + p);
      // Keeps wv in a register: otherwise the compiler folds the load into each of the 3 FMAs, and
      // 512-bit loads, one cache line each, issue about one per cycle here (27 loads per 24 FMAs
      // measured 80 GFLOP/s on one core; 11 per 24 keep the FMA pipes fed).
      asm("" : "+v"(wv));
#pragma GCC unroll 3
      for (int i = 0; i < kMR; ++i) acc[i][j] = _mm512_fmadd_ps(av[i], wv, acc[i][j]);
    }
  };
  int64_t p = 0;
  for (; p + 16 <= k; p += 16) step(p, 0xFFFF);
  if (p < k) step(p, static_cast<__mmask16>((1u << (k - p)) - 1));  // the last K % 16 floats
  const __mmask8 store = static_cast<__mmask8>((1u << cols) - 1);
#pragma GCC unroll 3
  for (int i = 0; i < kMR; ++i) {
    if (!c[i]) continue;
    __m256 sum = sum_lanes8(acc[i]);
    if (add[i]) sum = _mm256_add_ps(sum, _mm256_maskz_loadu_ps(store, add[i]));
    _mm256_mask_storeu_ps(c[i], store, sum);
  }
}

// W's row tiles [t0, t1) against all of A, on the calling thread.
void dot_tiles(int64_t m, int64_t n, int64_t k, const float* a, const float* w, float* c, int64_t ldc, Addend<float> add,
               int64_t t0, int64_t t1) {
  for (int64_t t = t0; t < t1; ++t) {
    int64_t j0 = t * kNR;
    int cols = static_cast<int>(std::min<int64_t>(kNR, n - j0));
    const float* wr[kNR];
    for (int j = 0; j < kNR; ++j) wr[j] = w + (j0 + std::min(j, cols - 1)) * k;
    for (int64_t i0 = 0; i0 < m; i0 += kMR) {
      const float *ar[kMR], *addr[kMR];
      float* cr[kMR];
      for (int i = 0; i < kMR; ++i) {
        bool real = i0 + i < m;
        ar[i] = a + (real ? i0 + i : i0) * k;
        cr[i] = real ? c + (i0 + i) * ldc + j0 : nullptr;
        addr[i] = real && add.p ? add.p + (i0 + i) * add.ld + j0 : nullptr;
      }
      dot_tile(ar, wr, k, cr, addr, cols);
    }
  }
}

}  // namespace

void sgemm_nt_dot(int64_t m, int64_t n, int64_t k, const float* a, const float* w, float* c, int64_t ldc,
                  Addend<float> add) {
  int64_t tiles = (n + kNR - 1) / kNR;
  int64_t grain = std::max<int64_t>(1, kMinParallelWork / std::max<int64_t>(1, m * kNR * k));
  parallel::parallel_for(tiles, grain, [&](int64_t t0, int64_t t1) { dot_tiles(m, n, k, a, w, c, ldc, add, t0, t1); });
}

}  // namespace muse::cpu
#endif  // __AVX512F__
