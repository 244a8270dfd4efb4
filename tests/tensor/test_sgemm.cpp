// Our AVX-512 float32 GEMM (tensor/cpu/sgemm.cpp, sgemm_dot.cpp) against a float64 triple loop, for the
// four transpose combinations, at sizes that end mid-tile (MR = 6, NR = 64; the dot path's 3 x 8) and
// mid-block (KC = 128, MC = 672, NC = 2048), on one thread and split among the pool's threads by
// columns and by rows, with and without a matrix added as the tiles are stored. Accumulation
// order differs from the reference, so an element may differ by 1e-5 of its sum of |a_ip b_pj|.
#include <doctest/doctest.h>

#ifdef __AVX512F__
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "tensor/cpu/sgemm.h"
#include "tensor/parallel.h"

namespace {

// What sgemm adds to the product: nothing, a row added to every row (ld 0), a matrix with its own row
// stride, or C's own values (accumulate).
enum class Add { kNone, kRow, kMatrix, kOntoC };

// Checks sgemm(m, n, k) against float64, with C's rows ldc = n + 3 apart: the 3 padding floats of each
// row must be left as they were. dot: call sgemm_nt_dot directly (tb and not ta).
bool sgemm_matches(int64_t m, int64_t n, int64_t k, bool ta, bool tb, bool dot = false, Add add = Add::kNone) {
  std::mt19937 rng(static_cast<unsigned>(m * 131 + n * 17 + k));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> a(m * k), b(k * n);  // stored (M, K) or (K, M); (K, N) or (N, K)
  for (float& x : a) x = uniform(rng);
  for (float& x : b) x = uniform(rng);
  int64_t ldc = n + 3, ld_add = add == Add::kRow ? 0 : n + 5;
  std::vector<float> c(m * ldc, 42.0f), addend(m * (n + 5));
  for (float& x : addend) x = uniform(rng);
  muse::cpu::Addend<float> addend_arg{add == Add::kNone ? nullptr : addend.data(), ld_add};
  if (add == Add::kOntoC) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = addend[i * ld_add + j];
    addend_arg = {c.data(), ldc};
  }
  if (dot)
    muse::cpu::sgemm_nt_dot(m, n, k, a.data(), b.data(), c.data(), ldc, addend_arg);
  else
    muse::cpu::sgemm(m, n, k, a.data(), ta, b.data(), tb, c.data(), ldc, addend_arg);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = add == Add::kNone ? 0.0 : addend[i * ld_add + j], magnitude = std::abs(sum);
      for (int64_t p = 0; p < k; ++p) {
        double x = ta ? a[p * m + i] : a[i * k + p], y = tb ? b[j * k + p] : b[p * n + j];
        sum += x * y;
        magnitude += std::abs(x * y);
      }
      if (!(std::abs(c[i * ldc + j] - sum) <= 1e-5 * magnitude + 1e-30)) return false;
    }
    for (int64_t j = n; j < ldc; ++j)
      if (c[i * ldc + j] != 42.0f) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("sgemm matches float64 at awkward sizes") {
  const std::vector<int64_t> sizes = {1, 2, 7, 15, 16, 17, 31, 33, 63, 65, 127, 255, 257, 1023};
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      CAPTURE(ta);
      CAPTURE(tb);
      // Each dimension runs through every size while the other two stay off the tile grid.
      for (int64_t s : sizes) {
        CAPTURE(s);
        CHECK(sgemm_matches(s, 17, 33, ta, tb));
        CHECK(sgemm_matches(33, s, 17, ta, tb));
        CHECK(sgemm_matches(17, 33, s, ta, tb));
      }
      // Every combination of tile edges on small sizes.
      for (int64_t m : {1, 5, 6, 7, 13})
        for (int64_t n : {1, 16, 63, 64, 65})
          for (int64_t k : {1, 2, 16})
            CHECK(sgemm_matches(m, n, k, ta, tb));
      // Past MC, NC and KC (three K blocks, the last partial), split by columns; then a tall product
      // split by rows.
      CHECK(sgemm_matches(677, 2081, 291, ta, tb));
      CHECK(sgemm_matches(2081, 40, 300, ta, tb));
    }
  }
}

// a @ b^T with few rows and K >= 128 takes the dot-product path (sgemm_dot.cpp), whose tile is 3 rows of
// a by 8 rows of b, 16 floats of K at a time.
TEST_CASE("sgemm's dot-product path matches float64 at its tile edges") {
  for (int64_t m : {1, 2, 3, 4, 5, 7})
    for (int64_t n : {1, 7, 8, 9, 17})
      for (int64_t k : {128, 129, 143, 144})
        CHECK(sgemm_matches(m, n, k, false, true));
  CHECK(sgemm_matches(5, 2081, 300, false, true));  // shared among the threads by 8-row tiles of b
  CHECK(sgemm_matches(256, 65, 128, false, true));  // the most rows it takes
  CHECK(sgemm_matches(257, 65, 128, false, true));  // one row more: the blocked path
  for (int64_t k : {1, 2, 15, 16, 17, 31})  // called directly, it takes any depth
    CHECK(sgemm_matches(4, 9, k, false, true, true));
}

TEST_CASE("sgemm adds a row, a matrix or C itself as it stores, on both paths") {
  for (Add add : {Add::kRow, Add::kMatrix, Add::kOntoC}) {
    CAPTURE(static_cast<int>(add));
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        CHECK(sgemm_matches(17, 65, 33, ta, tb, false, add));
        CHECK(sgemm_matches(37, 130, 291, ta, tb, false, add));  // three K blocks: only the first adds
      }
    CHECK(sgemm_matches(7, 17, 129, false, true, false, add));  // the dot-product path
    CHECK(sgemm_matches(5, 2081, 300, false, true, false, add));
    CHECK(sgemm_matches(4, 9, 3, false, true, true, add));
    CHECK(sgemm_matches(5, 7, 0, false, false, false, add));  // K = 0: C is the addend
  }
}

TEST_CASE("sgemm on one thread and with K = 0") {
  int threads = muse::parallel::num_threads();
  muse::parallel::set_num_threads(1);
  CHECK(sgemm_matches(677, 300, 291, false, true));
  CHECK(sgemm_matches(300, 65, 257, true, false));
  CHECK(sgemm_matches(32, 2048, 512, false, true));  // the dot-product path
  muse::parallel::set_num_threads(threads);
  std::vector<float> c(6, 42.0f);
  muse::cpu::sgemm(2, 3, 0, nullptr, false, nullptr, false, c.data(), 3);  // an empty sum is 0
  CHECK(c == std::vector<float>(6, 0.0f));
}
#endif  // __AVX512F__
