// Softmax and log-softmax along the middle axis of x viewed as (outer, n, inner), and their backward.
//   softmax:      y_k = exp(x_k - m) / s,  s = sum_j exp(x_j - m),  m = max_j x_j
//   log_softmax:  y_k = (x_k - m) - log(s)
// Subtracting the maximum first keeps every exp in (0, 1], so logits of any size give finite values.
//   backward:     softmax dx = y * (dy - sum(dy * y));  log_softmax dx = dy - exp(y) * sum(dy)
// Rows (inner == 1) use lane accumulators along the row; the column layout (inner > 1) updates a tile of
// adjacent columns row by row. Both share the (outer, tile) tasks among the threads.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

constexpr int kLanes = 16;
constexpr int64_t kTile = 256;

// exp(x) for x <= 0, written so the compiler can vectorise it (std::exp is one library call per
// element). x = k ln2 + r with |r| <= ln2 / 2; exp(r) by its Taylor series to r^7 (truncation error
// below 1e-8, so within about one float ulp); 2^k is built directly in the exponent bits. Below -87.3
// the true value is a denormal under 1.2e-38, and we return 0. NaN stays NaN.
inline float exp_nonpositive(float x) {
  constexpr float kLog2e = 1.44269504f, kMagic = 12582912.0f;  // 1.5 * 2^23: rounds to an integer
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;  // ln 2 = hi + lo, hi exact
  float xc = x < -87.3f ? -87.3f : x;
  float t = xc * kLog2e + kMagic;
  float k = t - kMagic;
  int32_t ki = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kMagic);
  float r = xc - k * kLn2Hi - k * kLn2Lo;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  float scale = std::bit_cast<float>((ki + 127) << 23);
  return x < -87.3f ? 0.0f : p * scale;
}
inline double exp_nonpositive(double x) { return std::exp(x); }

// Sum of f(i) for i in [0, n), in independent lanes the compiler keeps in vector registers.
template <class T, class F>
T sum_lanes(int64_t n, F f) {
  T lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
#pragma GCC unroll 1  // kept as a loop, which the loop vectoriser handles (unrolled, SLP would not)
    for (int j = 0; j < kLanes; ++j) lane[j] += f(i + j);
  T s = 0;
  for (; i < n; ++i) s += f(i);
  for (int j = 0; j < kLanes; ++j) s += lane[j];
  return s;
}

// Maximum of p[0, n); NaN wins, so a row holding NaN gives NaN everywhere.
template <class T>
T max_lanes(const T* p, int64_t n) {
  T lane[kLanes];
  std::fill(lane, lane + kLanes, -std::numeric_limits<T>::infinity());
  auto take = [](T a, T b) { return (b > a || b != b) ? b : a; };
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
#pragma GCC unroll 1
    for (int j = 0; j < kLanes; ++j) lane[j] = take(lane[j], p[i + j]);
  T m = lane[0];
  for (; i < n; ++i) m = take(m, p[i]);
  for (int j = 0; j < kLanes; ++j) m = take(m, lane[j]);
  return m;
}

// One row of n contiguous elements. exp(x - m) is first written to y by a plain loop (which vectorises
// best without a reduction in it), then summed.
template <class T>
void softmax_row(const T* x, T* y, int64_t n, bool log) {
  T m = max_lanes(x, n);
  for (int64_t i = 0; i < n; ++i) y[i] = exp_nonpositive(x[i] - m);
  T s = sum_lanes<T>(n, [&](int64_t i) { return y[i]; });
  if (log) {
    T log_s = std::log(s);  // (x - m) - log(s): m + log(s) first would round away digits of log(s)
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - log_s;
  } else {
    T inv = T(1) / s;
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }
}

// A tile of w columns: x and y point at element (o, 0, i0); rows are `stride` apart.
template <class T>
void softmax_columns(const T* x, T* y, int64_t n, int64_t stride, int64_t w, bool log) {
  T m[kTile], s[kTile];
  std::fill(m, m + w, -std::numeric_limits<T>::infinity());
  std::fill(s, s + w, T(0));
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * stride;
    for (int64_t i = 0; i < w; ++i) m[i] = (row[i] > m[i] || row[i] != row[i]) ? row[i] : m[i];  // NaN wins
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * stride;
    T* out = y + k * stride;
    if (log)  // two loops, as a store under a condition would keep the loop from vectorising
      for (int64_t i = 0; i < w; ++i) s[i] += exp_nonpositive(row[i] - m[i]);
    else
      for (int64_t i = 0; i < w; ++i) s[i] += out[i] = exp_nonpositive(row[i] - m[i]);
  }
  for (int64_t i = 0; i < w; ++i) s[i] = log ? std::log(s[i]) : T(1) / s[i];
  for (int64_t k = 0; k < n; ++k)
    for (int64_t i = 0; i < w; ++i) {
      T& out = y[k * stride + i];
      out = log ? (x[k * stride + i] - m[i]) - s[i] : out * s[i];
    }
}

// Calls f(o, i0, w) for every row o and tile [i0, i0 + w) of columns, shared among the threads.
template <class F>
void for_each_tile(int64_t outer, int64_t n, int64_t inner, F f) {
  int64_t tile = std::min(inner, kTile), tiles = (inner + tile - 1) / std::max<int64_t>(tile, 1);
  int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * tile));
  parallel::parallel_for(outer * tiles, grain, [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      int64_t i0 = (u % tiles) * tile;
      f(u / tiles, i0, std::min(tile, inner - i0));
    }
  });
}

}  // namespace

void softmax(const Array& x, int64_t outer, int64_t n, int64_t inner, bool log, const Array& y) {
  if (outer * n * inner == 0) return;
  dispatch_float(x.dtype, "softmax", [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for_each_tile(outer, n, inner, [&](int64_t o, int64_t i0, int64_t w) {
      int64_t at = o * n * inner + i0;
      if (inner == 1)
        softmax_row(px + at, py + at, n, log);
      else
        softmax_columns(px + at, py + at, n, inner, w, log);
    });
  });
}

namespace {

// dx for one tile of w columns (a row when inner == 1); every pointer is at element (o, 0, i0).
template <class T>
void backward_tile(const T* y, const T* dy, T* dx, int64_t n, int64_t stride, int64_t w, bool log) {
  if (stride == 1) {  // a row: sum with lanes, then one elementwise pass
    T s = log ? sum_lanes<T>(n, [&](int64_t i) { return dy[i]; })
              : sum_lanes<T>(n, [&](int64_t i) { return dy[i] * y[i]; });
    if (log)
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] - exp_nonpositive(y[i]) * s;
    else
      for (int64_t i = 0; i < n; ++i) dx[i] = y[i] * (dy[i] - s);
    return;
  }
  T s[kTile] = {};
  for (int64_t k = 0; k < n; ++k)
    for (int64_t i = 0; i < w; ++i) s[i] += log ? dy[k * stride + i] : dy[k * stride + i] * y[k * stride + i];
  for (int64_t k = 0; k < n; ++k)
    for (int64_t i = 0; i < w; ++i) {
      int64_t at = k * stride + i;
      dx[at] = log ? dy[at] - exp_nonpositive(y[at]) * s[i] : y[at] * (dy[at] - s[i]);
    }
}

}  // namespace

void softmax_backward(const Array& y, const Array& dy, int64_t outer, int64_t n, int64_t inner, bool log,
                      const Array& dx) {
  if (outer * n * inner == 0) return;
  dispatch_float(y.dtype, "softmax_backward", [&]<class T>() {
    const T *py = y.data<T>(), *pdy = dy.data<T>();
    T* pdx = dx.data<T>();
    for_each_tile(outer, n, inner, [&](int64_t o, int64_t i0, int64_t w) {
      int64_t at = o * n * inner + i0;
      backward_tile(py + at, pdy + at, pdx + at, n, inner, w, log);
    });
  });
}

}  // namespace muse::cpu
