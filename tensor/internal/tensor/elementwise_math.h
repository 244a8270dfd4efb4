// The per-element math of the elementwise ops, shared by the CPU kernels and (later) the CUDA ones.
//
// float64 calls the std:: functions: gradcheck runs in float64 and needs full accuracy. float32 uses
// our own branch-free approximations (range reduction, a short polynomial, 2^n built from its bits),
// written with selects instead of branches and without libm calls, so that GCC vectorises the kernel
// loops at -O3 -march=x86-64-v3. Measured worst errors against float64 over wide ranges (see
// tests/autograd/test_elementwise.cpp): exp, log 1 ulp; log1p, tanh, sin, cos (|x| <= 1e4) 1.5;
// sigmoid 2.6; silu 3.1; exact GELU 18 and Phi 1.6e-6 relative (traded for speed, see normal_tail).
// "Minimax" polynomials were fitted in float64 on the stated interval, by the Remez exchange algorithm
// (normal_tail's by Lawson's reweighted least squares, tools/fit_normal_cdf.py); the rest
// are Taylor series; they are evaluated by Horner's rule, or in pairs (Estrin's scheme) where a short
// dependency chain lets out-of-order execution overlap more loop iterations.
//
// Functors: one per UnaryOp with y = f(x) and grad(x, dy) = dy * f'(x), and one per BinaryOp.
// visit_unary / visit_binary turn a runtime op into its functor once, outside the element loop.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "muse/error.h"
#include "tensor/backend.h"
#include "tensor/hd.h"

// Every function here is forced inline: GCC's size limits otherwise leave some of them as calls inside
// the large dispatching kernels, and a call per element stops the loop from vectorising.
#if defined(__CUDACC__)
#define MUSE_EW_FN MUSE_HD __forceinline__
#else
#define MUSE_EW_FN [[gnu::always_inline]] inline
#endif

namespace muse::ew {

inline constexpr float kInf = std::numeric_limits<float>::infinity();
inline constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

MUSE_EW_FN int32_t bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_int(x);
#else
  return std::bit_cast<int32_t>(x);
#endif
}
MUSE_EW_FN float from_bits(int32_t i) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(i);
#else
  return std::bit_cast<float>(i);
#endif
}
MUSE_EW_FN int64_t bits(double x) {
#if defined(__CUDA_ARCH__)
  return __double_as_longlong(x);
#else
  return std::bit_cast<int64_t>(x);
#endif
}
MUSE_EW_FN double from_bits(int64_t i) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(i);
#else
  return std::bit_cast<double>(i);
#endif
}
MUSE_EW_FN float fma(float a, float b, float c) { return std::fma(a, b, c); }

// c ? a : b for computed a and b. For floating types it is a bit mask: with a plain ?: GCC moves the
// computation of the unused side into a branch, and then (FP ops may trap) cannot vectorise the loop.
template <class T>
MUSE_EW_FN T select(bool c, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    auto m = -static_cast<decltype(bits(a))>(c);
    return from_bits((bits(a) & m) | (bits(b) & ~m));
  } else {
    return c ? a : b;
  }
}

// 1.5 * 2^23: adding it to |v| < 2^22 rounds v to the nearest integer n, which then sits in the low
// bits of the sum (bits(v + kRound) - bits(kRound) = n). No float-to-int conversion, so NaN is harmless.
inline constexpr float kRound = 0x1.8p23f;

// 2^e for e in [-126, 127], from the exponent bits (e = -127 gives 0). The shift is done unsigned so
// that garbage exponents (from NaN inputs, whose results are NaN anyway) are not undefined behaviour.
MUSE_EW_FN float pow2(int32_t e) { return from_bits(static_cast<int32_t>(static_cast<uint32_t>(e + 127) << 23)); }

// ---- exp ----
// exp(hi + lo) for a float pair (|lo| < 2^-20 |hi|, so the sum carries more bits than a float) with
// hi in [-170, 88.7] (so that both factors of 2^n below are normal floats):
//   exp(x) = 2^n exp(r),  n = round(hi / ln2),  r = hi - n ln2 + lo,  |r| <= ln2/2 (+ |lo|).
// n ln2 is subtracted in two parts (ln2_hi has 17 bits, so hi - n ln2_hi is exact). Then
//   exp(r) = 1 + r + r^2 (q0 + q1 r + q2 r^2 + q3 r^3 + q4 r^4),
// q minimax for (exp(r) - 1 - r) / r^2 (relative error of exp(r) 3.1e-9), evaluated in pairs.
// 2^n is built from exponent bits as two factors 2^(n/2) 2^(n - n/2), so that results down to the
// subnormals come out right; above 88.72 the result overflows to inf by itself. NaN propagates.
// With kFlush, 2^n is one factor and results below 2^-126 flush to 0 (4 fewer operations; for the
// normal distribution's tails, where that is far below anything that matters).
template <bool kFlush = false>
MUSE_EW_FN float exp_pair(float hi, float lo) {
  constexpr float kLog2e = 1.44269504f, kLn2Hi = 0x1.62e4p-1f, kLn2Lo = 1.42860677e-06f;
  float t = fma(hi, kLog2e, kRound);
  int32_t n = bits(t) - bits(kRound);
  float nf = t - kRound;
  float r = fma(nf, -kLn2Hi, hi);
  r = fma(nf, -kLn2Lo, r) + lo;
  float r2 = r * r;
  float q01 = fma(r, 1.66665207e-01f, 4.99999935e-01f), q23 = fma(r, 8.36870982e-03f, 4.16683874e-02f);
  float q = fma(r2, fma(r2, 1.38146132e-03f, q23), q01);
  float expm1 = fma(r2, q, r);
  if constexpr (kFlush) {
    float scale = pow2(n < -127 ? -127 : n);  // 2^n, or 0 for n <= -127
    return fma(expm1, scale, scale);
  } else {
    int32_t n1 = n >> 1, n2 = n - n1;
    return (1.f + expm1) * pow2(n1) * pow2(n2);
  }
}
// exp(x) with x clamped to [-120, 89] first: 0 below -103.97, inf above 88.73, and every step finite.
MUSE_EW_FN float exp(float x) {
  x = select(x < -120.f, -120.f, x);
  return exp_pair(select(x > 89.f, 89.f, x), 0.f);
}
MUSE_EW_FN double exp(double x) { return std::exp(x); }

// ---- log ----
// log(x) = e ln2 + log(m),  x = 2^e m with m in [sqrt(1/2), sqrt(2)) (from the exponent bits;
// subnormals are first scaled by 2^23). With f = m - 1 and s = f / (2 + f) (|s| < 0.172):
//   log(1 + f) = 2 atanh(s) = 2s + s R,  R = z (2/3 + 2z/5 + 2z^2/7 + 2z^3/9),  z = s^2  (Taylor)
// and since 2s = f - s f:  log(1 + f) = f - s (f - R). f is exact, so near x = 1 the error is in the
// small correction only. e ln2 is added in two parts, as in exp.
MUSE_EW_FN float log(float x) {
  constexpr float kLn2Hi = 0x1.62e4p-1f, kLn2Lo = 1.42860677e-06f;
  bool tiny = x < 0x1p-126f;
  int32_t i = bits(select(tiny, x * 0x1p23f, x));
  int32_t e = ((i >> 23) & 0xff) - 127 - 23 * tiny;
  int32_t mi = (i & 0x007fffff) | 0x3f800000;  // m in [1, 2)
  bool big = mi > 0x3fb504f3;                    // m > sqrt(2): use m / 2
  mi -= 0x00800000 * big;
  e += big;
  float f = from_bits(mi) - 1.f;
  float s = f / (2.f + f);
  float z = s * s;
  float R = z * fma(fma(fma(z, 2.f / 9, 2.f / 7), z, 2.f / 5), z, 2.f / 3);
  float ef = static_cast<float>(e);
  float y = fma(ef, kLn2Hi, fma(ef, kLn2Lo, f - s * (f - R)));
  // Special inputs, by adding inf or NaN to the (finite) y: log(0) = -inf, log(inf) = inf, log(x < 0) = NaN.
  float special = select(x == 0.f, -kInf, select(x == kInf, kInf, 0.f));
  special = select((x < 0.f) | (x != x), kNaN, special);
  return y + special;
}
MUSE_EW_FN double log(double x) { return std::log(x); }

// log1p(x) = log(u) + c / u, where u = fl(1 + x) and c = (1 + x) - u is its rounding error, exact by
// Fast2Sum (ordered by magnitude). Accurate near 0, where log(1 + x) by itself would lose x.
MUSE_EW_FN float log1p(float x) {
  float u = 1.f + x;
  float c = select(std::fabs(x) < 1.f, x - (u - 1.f), 1.f - (u - x));
  float y = log(u) + c / u;
  y = select(x == -1.f, -kInf, y);
  return select(x == kInf, kInf, y);
}
MUSE_EW_FN double log1p(double x) { return std::log1p(x); }

// ---- tanh ----
// |x| < 0.55:  tanh(x) = x + x^3 P(x^2), P minimax (relative error 1.7e-9 on [0, 0.55]).
// otherwise:   tanh(|x|) = (1 - e) / (1 + e), e = exp(-2|x|) <= 0.333, so 1 - e loses nothing;
//              the sign of x is copied back. Large |x| gives e = 0 and tanh = +-1.
MUSE_EW_FN float tanh(float x) {
  float s = x * x;
  float P = fma(fma(fma(fma(s, -6.45077362e-3f, 2.12095337e-2f), s, -5.38901547e-2f), s, 1.33330091e-1f), s,
                -3.33333332e-1f);
  float small = fma(x * s, P, x);
  float e = exp(-2.f * std::fabs(x));
  float large = std::copysign((1.f - e) / (1.f + e), x);
  return select(std::fabs(x) < 0.55f, small, large);
}
MUSE_EW_FN double tanh(double x) { return std::tanh(x); }

// ---- sigmoid ----
// sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, with e = exp(-|x|) in (0, 1]:
// exp never overflows, so x = -1e4 gives 0 and x = 1e4 gives 1.
template <class T>
MUSE_EW_FN T sigmoid(T x) {
  T e = exp(-std::fabs(x));
  T s = T(1) / (T(1) + e);
  return select(x >= T(0), s, e * s);
}

// sigmoid'(x) = s (1 - s) = e / (1 + e)^2, e = exp(-|x|) (no cancellation in 1 - s when s is near 1).
template <class T>
MUSE_EW_FN T sigmoid_grad(T x) {
  T e = exp(-std::fabs(x)), d = T(1) + e;
  return e / (d * d);
}

// ---- the normal distribution ----
// Phi(x) = P(N(0,1) <= x) = erfc(-x / sqrt(2)) / 2. With a = |x|, Phi(-a) = erfc(a/sqrt2)/2 is the tail:
// Phi(x) is the tail for x < 0 (no cancellation far left) and 1 - tail for x >= 0. The tail is
//   Phi(-a) = exp(-a^2/2) g(s),  s = c / (c + a) in (0, 1],  c = 4,
// where g = erfc(t) exp(t^2) / 2 (t = a/sqrt2) is smooth, 0.5 at s = 1 and about s / (c sqrt(2 pi)) as
// s -> 0. g is a degree-7 minimax polynomial (relative error 5.5e-7 on s in [0.231, 1], i.e. a <= 13.3)
// in s - 0.6156, by Horner's rule; tools/fit_normal_cdf.py fits it. The exp is done here rather than
// by exp_pair, in fewer operations, because a^2/2 has a known sign and range:
//   a^2 = h + l exactly (by fma);  exp(-a^2/2) = 2^n exp(r),  n = round(-h / (2 ln2)),
//   R = 2r = -h - 2n ln2 - l  (one fma with 2 ln2 rounded to float: |n| <= 121 makes that error
//   < 2.4e-7 in r, and far less for the central x),  exp(r) - 1 = R q(R), q degree 4 (minimax for
//   (exp(r) - 1 - r) / r^2 of degree 3 on |r| <= ln2/2, rescaled to R; relative error 3e-7).
// 2^n is applied by adding n to the exponent bits of g exp(r) (in [0.016, 0.71]), which stays a
// normal float for n >= -120; below that (x < -12.93, Phi < 2^-121) the tail flushes to 0.
// a is capped at 17 first, which keeps every step finite for a = inf. Measured in a dense float32
// sweep of [-20, 20] against float64: Phi's relative error <= 1.6e-6 outside the flushed tail.
MUSE_EW_FN float normal_tail(float a) {
  constexpr float kC = 4.f, kCenter = 0.615606964f, kHalfLog2e = 0.721347520f, kTwoLn2 = 1.38629436f;
  float h = a * a, l = fma(a, a, -h);
  float w = kC / (a + kC) - kCenter;
  float g = fma(fma(fma(fma(fma(fma(fma(w, -9.217052e-02f, -4.927863e-02f), w, 2.6534078e-01f), w, 6.5252465e-01f),
                                w, 8.389107e-01f), w, 7.403247e-01f), w, 4.8212487e-01f), w, 1.4143845e-01f);
  float t = fma(h, -kHalfLog2e, kRound);  // n in the low bits of t, as in exp_pair
  float nf = t - kRound;
  float R = fma(nf, -kTwoLn2, -h) - l;
  float q = fma(fma(fma(fma(R, 2.606646e-04f, 2.6146013e-03f), R, 2.0833468e-02f), R, 1.24999374e-01f), R, 0.5f);
  float ge = fma(g, R * q, g);  // g exp(r)
  int32_t n_shifted = static_cast<int32_t>(static_cast<uint32_t>(bits(t)) << 23);  // n << 23: bits(kRound) << 23 = 0
  return select(nf < -120.f, 0.f, from_bits(bits(ge) + n_shifted));
}
MUSE_EW_FN float normal_cap(float x) {
  float a = std::fabs(x);
  return a > 17.f ? 17.f : a;  // a plain ?: here (both sides are ready), so GCC emits one vminps
}
MUSE_EW_FN float normal_cdf(float x) {
  float tail = normal_tail(normal_cap(x));
  return select(x < 0.f, tail, 1.f - tail);
}
MUSE_EW_FN double normal_cdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752440); }

// phi(x) = exp(-x^2 / 2) / sqrt(2 pi), the standard normal density (x^2/2 split exactly into hi + lo,
// since exp amplifies an error in its argument by the argument's size).
MUSE_EW_FN float normal_pdf(float x) {
  float a = std::fabs(x);
  a = select(a > 17.f, 17.f, a);
  float m = -0.5f * a, hi = m * a, lo = fma(m, a, -hi);
  return 0.398942280f * exp_pair<true>(hi, lo);
}
MUSE_EW_FN double normal_pdf(double x) { return 0.39894228040143267794 * std::exp(-0.5 * x * x); }

// ---- sin and cos ----
// x = k pi/2 + r, k = round(x 2/pi), r in [-pi/4, pi/4]; k pi/2 is subtracted in three float parts
// (Cody-Waite; with fma the first step is exact). Then by the quadrant q = k mod 4:
//   sin(x) = sin(r), cos(r), -sin(r), -cos(r)   for q = 0, 1, 2, 3,
// and cos(x) = sin(x + pi/2) uses q + 1. Taylor series on |r| <= pi/4 (remainders < 3e-9):
//   sin(r) = r - r^3/3! + r^5/5! - r^7/7! + r^9/9!,  cos(r) = 1 - r^2/2! + ... + r^10/10!.
// Accurate to a few ulp for |x| up to about 1e5; the reduction is not meant for |x| >= 2^22.
MUSE_EW_FN float sin_quadrant(float x, int32_t shift) {
  constexpr float kTwoOverPi = 0.636619747f;
  constexpr float kPio2Hi = 0x1.921fb6p+0f, kPio2Mid = -0x1.777a5cp-25f, kPio2Lo = -0x1.ee59dap-50f;
  float t = fma(x, kTwoOverPi, kRound);
  int32_t q = bits(t) - bits(kRound) + shift;
  float k = t - kRound;
  float r = fma(k, -kPio2Hi, x);
  r = fma(k, -kPio2Mid, r);
  r = fma(k, -kPio2Lo, r);
  float z = r * r;
  float ps = fma(fma(fma(z, 1.f / 362880, -1.f / 5040), z, 1.f / 120), z, -1.f / 6);
  float sin_r = fma(r * z, ps, r);
  float pc = fma(fma(fma(fma(z, -1.f / 3628800, 1.f / 40320), z, -1.f / 720), z, 1.f / 24), z, -0.5f);
  float cos_r = fma(z, pc, 1.f);
  float y = select((q & 1) != 0, cos_r, sin_r);
  return from_bits(bits(y) ^ static_cast<int32_t>(static_cast<uint32_t>(q & 2) << 30));  // quadrants 2, 3: -y
}
MUSE_EW_FN float sin(float x) { return sin_quadrant(x, 0); }
MUSE_EW_FN float cos(float x) { return sin_quadrant(x, 1); }
MUSE_EW_FN double sin(double x) { return std::sin(x); }
MUSE_EW_FN double cos(double x) { return std::cos(x); }

// ---- unary functors: y = f(x) and grad = dy * f'(x) ----

// y = -x;  dy/dx = -1
template <class T> struct Neg {
  MUSE_EW_FN T operator()(T x) const { return -x; }
  MUSE_EW_FN T grad(T, T dy) const { return -dy; }
};
// y = |x|;  dy/dx = sign(x) (0 at 0)
template <class T> struct Abs {
  MUSE_EW_FN T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::fabs(x);  // |-0| = +0
    return x < T(0) ? -x : x;
  }
  MUSE_EW_FN T grad(T x, T dy) const { return select(x > T(0), dy, select(x < T(0), -dy, T(0))); }
};
// y = e^x;  dy/dx = e^x
template <class T> struct Exp {
  MUSE_EW_FN T operator()(T x) const { return exp(x); }
  MUSE_EW_FN T grad(T x, T dy) const { return dy * exp(x); }
};
// y = log x;  dy/dx = 1 / x
template <class T> struct Log {
  MUSE_EW_FN T operator()(T x) const { return log(x); }
  MUSE_EW_FN T grad(T x, T dy) const { return dy / x; }
};
// y = log(1 + x);  dy/dx = 1 / (1 + x)
template <class T> struct Log1p {
  MUSE_EW_FN T operator()(T x) const { return log1p(x); }
  MUSE_EW_FN T grad(T x, T dy) const { return dy / (T(1) + x); }
};
// y = sqrt x;  dy/dx = 1 / (2 sqrt x). std::sqrt is one exactly rounded instruction, but GCC only
// vectorises it with -fno-math-errno (it must be able to set errno for x < 0), so sqrt and rsqrt loops
// stay scalar under the default flags.
template <class T> struct Sqrt {
  MUSE_EW_FN T operator()(T x) const { return std::sqrt(x); }
  MUSE_EW_FN T grad(T x, T dy) const { return dy / (T(2) * std::sqrt(x)); }
};
// y = x^(-1/2);  dy/dx = -x^(-3/2) / 2
template <class T> struct Rsqrt {
  MUSE_EW_FN T operator()(T x) const { return T(1) / std::sqrt(x); }
  MUSE_EW_FN T grad(T x, T dy) const {
    T r = T(1) / std::sqrt(x);
    return T(-0.5) * dy * r * r * r;
  }
};
// y = sin x;  dy/dx = cos x
template <class T> struct Sin {
  MUSE_EW_FN T operator()(T x) const { return sin(x); }
  MUSE_EW_FN T grad(T x, T dy) const { return dy * cos(x); }
};
// y = cos x;  dy/dx = -sin x
template <class T> struct Cos {
  MUSE_EW_FN T operator()(T x) const { return cos(x); }
  MUSE_EW_FN T grad(T x, T dy) const { return -dy * sin(x); }
};
// y = tanh x;  dy/dx = 1 - y^2 = 4e / (1 + e)^2 with e = exp(-2|x|), which unlike 1 - y^2 keeps its
// relative accuracy where y is close to +-1.
template <class T> struct Tanh {
  MUSE_EW_FN T operator()(T x) const { return tanh(x); }
  MUSE_EW_FN T grad(T x, T dy) const {
    T e = exp(T(-2) * std::fabs(x)), d = T(1) + e;
    return dy * (T(4) * e / (d * d));
  }
};
// y = sigmoid(x) = 1 / (1 + e^-x);  dy/dx = y (1 - y)
template <class T> struct Sigmoid {
  MUSE_EW_FN T operator()(T x) const { return sigmoid(x); }
  MUSE_EW_FN T grad(T x, T dy) const { return dy * sigmoid_grad(x); }
};
// y = max(x, 0) (NaN stays NaN);  dy/dx = [x > 0]
template <class T> struct Relu {
  MUSE_EW_FN T operator()(T x) const { return select((x > T(0)) | (x != x), x, T(0)); }
  MUSE_EW_FN T grad(T x, T dy) const { return select(x > T(0), dy, T(0)); }
};
// y = x for x > 0, slope x otherwise;  dy/dx = 1 or slope
template <class T> struct LeakyRelu {
  T slope;
  MUSE_EW_FN T operator()(T x) const { return select(x > T(0), x, slope * x); }
  MUSE_EW_FN T grad(T x, T dy) const { return select(x > T(0), dy, slope * dy); }
};
// y = x Phi(x);  dy/dx = Phi(x) + x phi(x)
// float32: y = max(x, 0) - a Phi(-a) with a = min(|x|, 17), one fma (x < 0: x tail; x >= 0: x - x tail),
// which also gives gelu(+-inf) = inf, 0 (the limits) instead of -inf * 0 = NaN.
template <class T> struct Gelu {
  MUSE_EW_FN T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      float a = normal_cap(x);
      return fma(-a, normal_tail(a), x > 0.f ? x : 0.f);
    } else {
      return x * normal_cdf(x);
    }
  }
  MUSE_EW_FN T grad(T x, T dy) const { return dy * (normal_cdf(x) + x * normal_pdf(x)); }
};
// y = x (1 + tanh(g)) / 2 = x sigmoid(2g),  g = sqrt(2/pi) (x + 0.044715 x^3);
// dy/dx = s + 2 x s (1 - s) g',  s = sigmoid(2g),  g' = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
// The sigmoid form has no cancellation in 1 + tanh(g) for negative x. 2g = x (c1 + c3 x^2) with
// few roundings; still, for x << 0, y's relative error grows like |2g| ulps (the conditioning of
// exp at 2g, whatever the precision of the evaluation).
template <class T> struct GeluTanh {
  static constexpr T kA = T(0.79788456080286535588), kB = T(0.044715);
  static constexpr T kC1 = 2 * kA, kC3 = 2 * kA * kB;
  MUSE_EW_FN T operator()(T x) const { return x * sigmoid(x * (kC1 + kC3 * x * x)); }
  MUSE_EW_FN T grad(T x, T dy) const {
    T z = x * (kC1 + kC3 * x * x);
    T dg = kA * (T(1) + T(3) * kB * x * x);
    return dy * (sigmoid(z) + T(2) * x * sigmoid_grad(z) * dg);
  }
};
// y = x sigmoid(x);  dy/dx = s + x s (1 - s),  s = sigmoid(x)
template <class T> struct Silu {
  MUSE_EW_FN T operator()(T x) const { return x * sigmoid(x); }
  MUSE_EW_FN T grad(T x, T dy) const { return dy * (sigmoid(x) + x * sigmoid_grad(x)); }
};
// y = log(1 + e^(beta x)) / beta, or x where beta x > threshold (as PyTorch);  dy/dx = sigmoid(beta x).
// log(1 + e^z) = max(z, 0) + log1p(e^-|z|) never overflows.
template <class T> struct Softplus {
  T beta, threshold;
  MUSE_EW_FN T operator()(T x) const {
    T z = beta * x;
    T y = (select(z > T(0), z, T(0)) + log1p(exp(-std::fabs(z)))) / beta;
    return select(z > threshold, x, y);
  }
  MUSE_EW_FN T grad(T x, T dy) const {
    T z = beta * x;
    return select(z > threshold, dy, dy * sigmoid(z));
  }
};
// y = min(max(x, lo), hi) (hi wins when lo > hi, NaN stays NaN);  dy/dx = [lo <= x <= hi]
template <class T> struct Clamp {
  T lo, hi;
  MUSE_EW_FN T operator()(T x) const {
    T y = select(x < lo, lo, x);
    return select(y > hi, hi, y);
  }
  MUSE_EW_FN T grad(T x, T dy) const { return select((x >= lo) & (x <= hi), dy, T(0)); }
};
// y = x^2;  dy/dx = 2x  (pow with exponent 2, the common case, without a libm call)
template <class T> struct Square {
  MUSE_EW_FN T operator()(T x) const { return x * x; }
  MUSE_EW_FN T grad(T x, T dy) const { return T(2) * x * dy; }
};
// y = x^a;  dy/dx = a x^(a-1) (0 when a = 0)
template <class T> struct PowScalar {
  T a;
  MUSE_EW_FN T operator()(T x) const { return std::pow(x, a); }
  MUSE_EW_FN T grad(T x, T dy) const { return select(a == T(0), T(0), dy * a * std::pow(x, a - T(1))); }
};
struct LogicalNot {
  MUSE_EW_FN bool operator()(bool x) const { return !x; }
  MUSE_EW_FN bool grad(bool, bool) const { return false; }
};

// Lower-case op names for messages.
inline const char* unary_name(UnaryOp op) {
  constexpr const char* kNames[] = {"neg", "exp", "log", "log1p", "sqrt", "rsqrt", "abs", "sin", "cos",
                                    "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "gelu_tanh", "silu",
                                    "softplus", "clamp", "pow", "logical_not"};
  return kNames[static_cast<int>(op)];
}
inline const char* binary_name(BinaryOp op) {
  constexpr const char* kNames[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne",
                                    "lt", "le", "gt", "ge", "logical_and", "logical_or"};
  return kNames[static_cast<int>(op)];
}

// Calls v(functor) for op on element type T; throws when op does not apply to T (autograd/ checks
// dtypes first, so this is a guard). Float ops: float and double. Neg, Abs: also int64. LogicalNot: bool.
template <class T, class V>
void visit_unary(UnaryOp op, UnaryParams p, V&& v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (op == UnaryOp::LogicalNot) return v(LogicalNot{});
  } else {
    if (op == UnaryOp::Neg) return v(Neg<T>{});
    if (op == UnaryOp::Abs) return v(Abs<T>{});
    if constexpr (std::is_floating_point_v<T>) {
      switch (op) {
        case UnaryOp::Exp: return v(Exp<T>{});
        case UnaryOp::Log: return v(Log<T>{});
        case UnaryOp::Log1p: return v(Log1p<T>{});
        case UnaryOp::Sqrt: return v(Sqrt<T>{});
        case UnaryOp::Rsqrt: return v(Rsqrt<T>{});
        case UnaryOp::Sin: return v(Sin<T>{});
        case UnaryOp::Cos: return v(Cos<T>{});
        case UnaryOp::Tanh: return v(Tanh<T>{});
        case UnaryOp::Sigmoid: return v(Sigmoid<T>{});
        case UnaryOp::Relu: return v(Relu<T>{});
        case UnaryOp::LeakyRelu: return v(LeakyRelu<T>{T(p.a)});
        case UnaryOp::Gelu: return v(Gelu<T>{});
        case UnaryOp::GeluTanh: return v(GeluTanh<T>{});
        case UnaryOp::Silu: return v(Silu<T>{});
        case UnaryOp::Softplus: return v(Softplus<T>{T(p.a), T(p.b)});
        case UnaryOp::Clamp: return v(Clamp<T>{T(p.a), T(p.b)});
        case UnaryOp::Pow:
          if (p.a == 2) return v(Square<T>{});
          return v(PowScalar<T>{T(p.a)});
        default: break;
      }
    }
  }
  throw Error(str(unary_name(op), ": not supported for ", dtype_of<T>::value, " arrays"));
}

// ---- binary functors: out = f(a, b) ----

template <class T> struct Add { MUSE_EW_FN T operator()(T a, T b) const { return a + b; } };
template <class T> struct Sub { MUSE_EW_FN T operator()(T a, T b) const { return a - b; } };
template <class T> struct Mul { MUSE_EW_FN T operator()(T a, T b) const { return a * b; } };
template <class T> struct Div { MUSE_EW_FN T operator()(T a, T b) const { return a / b; } };
template <class T> struct Pow { MUSE_EW_FN T operator()(T a, T b) const { return std::pow(a, b); } };
// maximum and minimum propagate NaN from either side, as PyTorch's do.
template <class T> struct Maximum {
  MUSE_EW_FN T operator()(T a, T b) const { return select((a > b) | (a != a), a, b); }
};
template <class T> struct Minimum {
  MUSE_EW_FN T operator()(T a, T b) const { return select((a < b) | (a != a), a, b); }
};
template <class T> struct Eq { MUSE_EW_FN bool operator()(T a, T b) const { return a == b; } };
template <class T> struct Ne { MUSE_EW_FN bool operator()(T a, T b) const { return a != b; } };
template <class T> struct Lt { MUSE_EW_FN bool operator()(T a, T b) const { return a < b; } };
template <class T> struct Le { MUSE_EW_FN bool operator()(T a, T b) const { return a <= b; } };
template <class T> struct Gt { MUSE_EW_FN bool operator()(T a, T b) const { return a > b; } };
template <class T> struct Ge { MUSE_EW_FN bool operator()(T a, T b) const { return a >= b; } };
struct LogicalAnd { MUSE_EW_FN bool operator()(bool a, bool b) const { return a && b; } };
struct LogicalOr { MUSE_EW_FN bool operator()(bool a, bool b) const { return a || b; } };

// Calls v(functor) for op on element type T (the inputs' type; comparisons return bool). Arithmetic:
// float, double, int64 (Div and Pow floating only); comparisons: every type; logical: bool.
template <class T, class V>
void visit_binary(BinaryOp op, V&& v) {
  switch (op) {
    case BinaryOp::Eq: return v(Eq<T>{});
    case BinaryOp::Ne: return v(Ne<T>{});
    case BinaryOp::Lt: return v(Lt<T>{});
    case BinaryOp::Le: return v(Le<T>{});
    case BinaryOp::Gt: return v(Gt<T>{});
    case BinaryOp::Ge: return v(Ge<T>{});
    default: break;
  }
  if constexpr (std::is_same_v<T, bool>) {
    if (op == BinaryOp::LogicalAnd) return v(LogicalAnd{});
    if (op == BinaryOp::LogicalOr) return v(LogicalOr{});
  } else {
    switch (op) {
      case BinaryOp::Add: return v(Add<T>{});
      case BinaryOp::Sub: return v(Sub<T>{});
      case BinaryOp::Mul: return v(Mul<T>{});
      case BinaryOp::Maximum: return v(Maximum<T>{});
      case BinaryOp::Minimum: return v(Minimum<T>{});
      default: break;
    }
    if constexpr (std::is_floating_point_v<T>) {
      if (op == BinaryOp::Div) return v(Div<T>{});
      if (op == BinaryOp::Pow) return v(Pow<T>{});
    }
  }
  throw Error(str(binary_name(op), ": not supported for ", dtype_of<T>::value, " arrays"));
}

}  // namespace muse::ew
