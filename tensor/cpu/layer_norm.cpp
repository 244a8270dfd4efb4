// The fused layer normalization over the rows of x (R, N), per-element math in tensor/layer_norm_math.h
// (the functions the CUDA kernel runs). Threads split the rows; a row is read once from memory and its
// later passes find it in the cache. Row sums run in 16 double lanes, which the compiler vectorises.
// The backward's dweight and dbias sum over rows: each chunk of rows sums into its own double buffer,
// and the chunks' buffers are added in order, so the result does not depend on the thread count.
#include <algorithm>
#include <vector>

#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/layer_norm_math.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

constexpr int kLanes = 16;
// At most this many chunks of rows hold partial dweight / dbias sums (2 * N doubles each).
constexpr int64_t kMaxChunks = 16;

// Sum of f(j) for j in [0, n) in double, in independent lanes kept in vector registers.
template <class F>
double row_sum(int64_t n, F f) {
  double lane[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
#pragma GCC unroll 1  // kept as a loop, which the loop vectoriser handles
    for (int k = 0; k < kLanes; ++k) lane[k] += static_cast<double>(f(j + k));
  double s = 0;
  for (; j < n; ++j) s += static_cast<double>(f(j));
  for (int k = 0; k < kLanes; ++k) s += lane[k];
  return s;
}

// One row x (N) -> y (N), its mean and rstd. kW / kB: whether w / b exist, fixed at compile time so
// the loop has no branch.
template <class T, bool kW, bool kB>
void forward_row(const T* __restrict x, const T* __restrict w, const T* __restrict b, double eps, int64_t N,
                 T* __restrict y, T& mean, T& rstd) {
  double mu = row_sum(N, [&](int64_t j) { return x[j]; }) / static_cast<double>(N);
  double ss = row_sum(N, [&](int64_t j) {
    double d = static_cast<double>(x[j]) - mu;
    return d * d;
  });
  T m = static_cast<T>(mu), rs = static_cast<T>(layer_norm_rstd(ss, N, eps));
  for (int64_t j = 0; j < N; ++j) y[j] = layer_norm_element(x[j], m, rs, kW ? w[j] : T(1), kB ? b[j] : T(0));
  mean = m;
  rstd = rs;
}

// One row's dx (N) from x, dy, its mean and rstd.
template <class T, bool kW>
void dx_row(const T* __restrict x, const T* __restrict w, const T* __restrict dy, T mean, T rstd, int64_t N,
            T* __restrict dx) {
  auto g = [&](int64_t j) { return kW ? dy[j] * w[j] : dy[j]; };
  double n = static_cast<double>(N);
  T mean_g = static_cast<T>(row_sum(N, g) / n);
  T mean_gx = static_cast<T>(row_sum(N, [&](int64_t j) { return g(j) * ((x[j] - mean) * rstd); }) / n);
  for (int64_t j = 0; j < N; ++j) dx[j] = layer_norm_dx_element(g(j), (x[j] - mean) * rstd, rstd, mean_g, mean_gx);
}

// Adds one row's dy x^ to dw and dy to db (N each, either may be null).
template <class T>
void accumulate_row(const T* __restrict x, const T* __restrict dy, T mean, T rstd, int64_t N, double* __restrict dw,
                    double* __restrict db) {
  if (dw != nullptr)
    for (int64_t j = 0; j < N; ++j) dw[j] += static_cast<double>(dy[j] * ((x[j] - mean) * rstd));
  if (db != nullptr)
    for (int64_t j = 0; j < N; ++j) db[j] += static_cast<double>(dy[j]);
}

// Picks the instantiation for whether weight (and bias) exist.
template <class F>
void with_flags(bool has_w, bool has_b, F&& f) {
  if (has_w && has_b) f.template operator()<true, true>();
  else if (has_w) f.template operator()<true, false>();
  else if (has_b) f.template operator()<false, true>();
  else f.template operator()<false, false>();
}

}  // namespace

void layer_norm_forward(const Array& x, const Array& weight, const Array& bias, double eps, const Array& y,
                        const Array& mean, const Array& rstd) {
  int64_t R = x.shape[0], N = x.shape[1];
  if (R == 0 || N == 0) return;
  dispatch_float(x.dtype, "layer_norm", [&]<class T>() {
    const T* xp = x.data<T>();
    const T* wp = weight.defined() ? weight.data<T>() : nullptr;
    const T* bp = bias.defined() ? bias.data<T>() : nullptr;
    T *yp = y.data<T>(), *mp = mean.data<T>(), *rp = rstd.data<T>();
    with_flags(wp != nullptr, bp != nullptr, [&]<bool kW, bool kB>() {
      parallel::parallel_for(R, std::max<int64_t>(1, kGrain / N), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          forward_row<T, kW, kB>(xp + r * N, wp, bp, eps, N, yp + r * N, mp[r], rp[r]);
      });
    });
  });
}

void layer_norm_backward(const Array& x, const Array& weight, const Array& mean, const Array& rstd, const Array& dy,
                         const Array& dx, const Array& dweight, const Array& dbias) {
  int64_t R = x.shape[0], N = x.shape[1];
  if (N == 0) return;
  bool want_dw = dweight.defined(), want_db = dbias.defined();
  // Chunks of whole rows: enough to share among the threads, few enough that their buffers stay small.
  int64_t chunks = std::clamp<int64_t>(R * N / kGrain, 1, std::min<int64_t>(std::max<int64_t>(R, 1), kMaxChunks));
  int64_t rows_per_chunk = (R + chunks - 1) / chunks;
  std::vector<double> partial(want_dw || want_db ? static_cast<size_t>(2 * chunks * N) : 0, 0.0);  // (chunks, 2, N)
  dispatch_float(x.dtype, "layer_norm", [&]<class T>() {
    const T *xp = x.data<T>(), *dyp = dy.data<T>(), *mp = mean.data<T>(), *rp = rstd.data<T>();
    const T* wp = weight.defined() ? weight.data<T>() : nullptr;
    T* dxp = dx.defined() ? dx.data<T>() : nullptr;
    with_flags(wp != nullptr, false, [&]<bool kW, bool>() {
      parallel::parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
          double* dw = want_dw ? partial.data() + 2 * c * N : nullptr;
          double* db = want_db ? partial.data() + (2 * c + 1) * N : nullptr;
          for (int64_t r = c * rows_per_chunk; r < std::min(R, (c + 1) * rows_per_chunk); ++r) {
            if (dxp != nullptr) dx_row<T, kW>(xp + r * N, wp, dyp + r * N, mp[r], rp[r], N, dxp + r * N);
            accumulate_row(xp + r * N, dyp + r * N, mp[r], rp[r], N, dw, db);
          }
        }
      });
    });
    // The chunks' sums, added in chunk order.
    for (int k = 0; k < 2; ++k) {
      if (!(k == 0 ? want_dw : want_db)) continue;
      T* out = (k == 0 ? dweight : dbias).data<T>();
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t c = 0; c < chunks; ++c) s += partial[(2 * c + k) * N + j];
        out[j] = static_cast<T>(s);
      }
    }
  });
}

}  // namespace muse::cpu
