// The per-element math of the elementwise ops, shared by the CPU kernels and (later) the CUDA ones.
//
// float64 calls the std:: functions: gradcheck runs in float64 and needs full accuracy. float32 uses
// our own branch-free approximations (range reduction, a short polynomial, 2^n built from its bits),
// written with selects instead of branches and without libm calls, so that GCC vectorises the kernel
// loops at -O3 -march=x86-64-v3. Each is within a few float32 ulp of the exact value (checked against
// float64 in tests/autograd/test_elementwise.cpp). Polynomials are Horner forms; "minimax" ones were
// fitted by the Remez exchange algorithm in float64 on the stated interval, the rest are Taylor series.
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

namespace muse::ew {

inline constexpr float kInf = std::numeric_limits<float>::infinity();
inline constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

MUSE_HD inline int32_t bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_int(x);
#else
  return std::bit_cast<int32_t>(x);
#endif
}
MUSE_HD inline float from_bits(int32_t i) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(i);
#else
  return std::bit_cast<float>(i);
#endif
}
MUSE_HD inline int64_t bits(double x) {
#if defined(__CUDA_ARCH__)
  return __double_as_longlong(x);
#else
  return std::bit_cast<int64_t>(x);
#endif
}
MUSE_HD inline double from_bits(int64_t i) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(i);
#else
  return std::bit_cast<double>(i);
#endif
}
MUSE_HD inline float fma(float a, float b, float c) { return std::fma(a, b, c); }

// c ? a : b for computed a and b. For floating types it is a bit mask: with a plain ?: GCC moves the
// computation of the unused side into a branch, and then (FP ops may trap) cannot vectorise the loop.
template <class T>
MUSE_HD T select(bool c, T a, T b) {
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

// ---- exp ----
// exp(hi + lo), lo a small correction to hi (for arguments that are a float pair, see erfc).
//   exp(x) = 2^n exp(r),  n = round(x / ln2),  r = x - n ln2 in [-ln2/2, ln2/2].
// n ln2 is subtracted in two parts (ln2_hi has 17 bits, so x - n ln2_hi is exact), then lo is added.
// exp(r) = sum_{k<=7} r^k / k!  (Taylor; the r^8/8! remainder is < 0.1 ulp). 2^n is built as two
// factors 2^(n/2) 2^(n - n/2) from the exponent bits, so that results down to the subnormals come out
// right. hi is first clamped to [-120, 89]: the result still underflows to 0 (below -103.97) or
// overflows to inf (above 88.73) by itself, and every step stays finite. NaN propagates.
MUSE_HD inline float exp_split(float hi, float lo) {
  constexpr float kLog2e = 1.44269504f, kLn2Hi = 0x1.62e4p-1f, kLn2Lo = 1.42860677e-06f;
  hi = select(hi < -120.f, -120.f, hi);
  hi = select(hi > 89.f, 89.f, hi);
  float x = hi + lo;
  float t = fma(x, kLog2e, kRound);
  int32_t n = bits(t) - bits(kRound);
  float nf = t - kRound;
  float r = fma(nf, -kLn2Hi, hi);
  r = fma(nf, -kLn2Lo, r) + lo;
  float p = 1.f / 5040;
  p = fma(p, r, 1.f / 720);
  p = fma(p, r, 1.f / 120);
  p = fma(p, r, 1.f / 24);
  p = fma(p, r, 1.f / 6);
  p = fma(p, r, 0.5f);
  p = fma(p, r, 1.f);
  p = fma(p, r, 1.f);
  int32_t n1 = n >> 1, n2 = n - n1;
  return p * from_bits((n1 + 127) << 23) * from_bits((n2 + 127) << 23);
}
MUSE_HD inline float exp(float x) { return exp_split(x, 0.f); }
MUSE_HD inline double exp(double x) { return std::exp(x); }

// ---- log ----
// log(x) = e ln2 + log(m),  x = 2^e m with m in [sqrt(1/2), sqrt(2)) (from the exponent bits;
// subnormals are first scaled by 2^23). With f = m - 1 and s = f / (2 + f) (|s| < 0.172):
//   log(1 + f) = 2 atanh(s) = 2s + s R,  R = z (2/3 + 2z/5 + 2z^2/7 + 2z^3/9),  z = s^2  (Taylor)
// and since 2s = f - s f:  log(1 + f) = f - s (f - R). f is exact, so near x = 1 the error is in the
// small correction only. e ln2 is added in two parts, as in exp.
MUSE_HD inline float log(float x) {
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
MUSE_HD inline double log(double x) { return std::log(x); }

// log1p(x) = log(u) + c / u, where u = fl(1 + x) and c = (1 + x) - u is its rounding error, exact by
// Fast2Sum (ordered by magnitude). Accurate near 0, where log(1 + x) by itself would lose x.
MUSE_HD inline float log1p(float x) {
  float u = 1.f + x;
  float c = select(std::fabs(x) < 1.f, x - (u - 1.f), 1.f - (u - x));
  float y = log(u) + c / u;
  y = select(x == -1.f, -kInf, y);
  return select(x == kInf, kInf, y);
}
MUSE_HD inline double log1p(double x) { return std::log1p(x); }

// ---- tanh ----
// |x| < 0.55:  tanh(x) = x + x^3 P(x^2), P minimax (relative error 1.7e-9 on [0, 0.55]).
// otherwise:   tanh(|x|) = (1 - e) / (1 + e), e = exp(-2|x|) <= 0.333, so 1 - e loses nothing;
//              the sign of x is copied back. Large |x| gives e = 0 and tanh = +-1.
MUSE_HD inline float tanh(float x) {
  float s = x * x;
  float P = fma(fma(fma(fma(s, -6.45077362e-3f, 2.12095337e-2f), s, -5.38901547e-2f), s, 1.33330091e-1f), s,
                -3.33333332e-1f);
  float small = fma(x * s, P, x);
  float e = exp(-2.f * std::fabs(x));
  float large = std::copysign((1.f - e) / (1.f + e), x);
  return select(std::fabs(x) < 0.55f, small, large);
}
MUSE_HD inline double tanh(double x) { return std::tanh(x); }

// ---- sigmoid ----
// sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, with e = exp(-|x|) in (0, 1]:
// exp never overflows, so x = -1e4 gives 0 and x = 1e4 gives 1.
template <class T>
MUSE_HD T sigmoid(T x) {
  T e = exp(-std::fabs(x));
  T s = T(1) / (T(1) + e);
  return select(x >= T(0), s, e * s);
}

// sigmoid'(x) = s (1 - s) = e / (1 + e)^2, e = exp(-|x|) (no cancellation in 1 - s when s is near 1).
template <class T>
MUSE_HD T sigmoid_grad(T x) {
  T e = exp(-std::fabs(x)), d = T(1) + e;
  return e / (d * d);
}

// ---- erfc and the normal distribution ----
// erfc(t) for t >= 0, given t^2 = t2_hi + t2_lo exactly (from fma), so that the large exponent -t^2
// carries no rounding error:
//   erfc(t) = u exp(-t^2 + h(u)),  u = 2 / (2 + t) in (0, 1],
// where h(u) = log(erfc(t) / u) + t^2 is smooth (h(1) = 0, h(0) = -log(2 sqrt(pi))). h is a degree-10
// minimax polynomial in v = u - 9/16, fitted on u in [0.16, 1] (t <= 10.5; beyond, erfc underflows
// float32) with absolute error 6.7e-9, i.e. relative error 6.7e-9 in erfc. Call with t <= 12.
MUSE_HD inline float erfc_nonneg(float t, float t2_hi, float t2_lo) {
  float u = 2.f / (2.f + t);
  float v = u - 0.5625f;
  float h = -1.33702075e-01f;
  h = fma(h, v, 1.72806430e-01f);
  h = fma(h, v, 1.08468675e-01f);
  h = fma(h, v, -2.65728875e-01f);
  h = fma(h, v, -1.47443234e-02f);
  h = fma(h, v, 2.99425603e-01f);
  h = fma(h, v, -6.57409942e-02f);
  h = fma(h, v, -4.03215197e-01f);
  h = fma(h, v, 1.16037596e-01f);
  h = fma(h, v, 1.36442927e+00f);
  h = fma(h, v, -5.87067673e-01f);
  return u * exp_split(-t2_hi, h - t2_lo);
}

// Phi(x) = P(N(0,1) <= x) = erfc(-x / sqrt(2)) / 2. For x < 0 this is erfc(|x|/sqrt2)/2 directly (no
// cancellation in 1 + erf(x/sqrt2) far in the left tail); for x >= 0 it is 1 - erfc(x/sqrt2)/2.
// |x| is capped at 17, where erfc(|x|/sqrt2) is far below the smallest float.
MUSE_HD inline float normal_cdf(float x) {
  float a = std::fabs(x);
  a = select(a > 17.f, 17.f, a);
  float sq = a * a, sq_lo = fma(a, a, -sq);  // a^2 = sq + sq_lo exactly
  float half_erfc = 0.5f * erfc_nonneg(a * 0.707106781f, 0.5f * sq, 0.5f * sq_lo);
  return select(x < 0.f, half_erfc, 1.f - half_erfc);
}
MUSE_HD inline double normal_cdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752440); }

// phi(x) = exp(-x^2 / 2) / sqrt(2 pi), the standard normal density (x^2 split exactly, as above).
MUSE_HD inline float normal_pdf(float x) {
  float a = std::fabs(x);
  a = select(a > 20.f, 20.f, a);
  float sq = a * a, sq_lo = fma(a, a, -sq);
  return 0.398942280f * exp_split(-0.5f * sq, -0.5f * sq_lo);
}
MUSE_HD inline double normal_pdf(double x) { return 0.39894228040143267794 * std::exp(-0.5 * x * x); }

// ---- sin and cos ----
// x = k pi/2 + r, k = round(x 2/pi), r in [-pi/4, pi/4]; k pi/2 is subtracted in three float parts
// (Cody-Waite; with fma the first step is exact). Then by the quadrant q = k mod 4:
//   sin(x) = sin(r), cos(r), -sin(r), -cos(r)   for q = 0, 1, 2, 3,
// and cos(x) = sin(x + pi/2) uses q + 1. Taylor series on |r| <= pi/4 (remainders < 3e-9):
//   sin(r) = r - r^3/3! + r^5/5! - r^7/7! + r^9/9!,  cos(r) = 1 - r^2/2! + ... + r^10/10!.
// Accurate to a few ulp for |x| up to about 1e5; the reduction is not meant for |x| >= 2^22.
MUSE_HD inline float sin_quadrant(float x, int32_t shift) {
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
  return from_bits(bits(y) ^ ((q & 2) << 30));  // negate in quadrants 2 and 3
}
MUSE_HD inline float sin(float x) { return sin_quadrant(x, 0); }
MUSE_HD inline float cos(float x) { return sin_quadrant(x, 1); }
MUSE_HD inline double sin(double x) { return std::sin(x); }
MUSE_HD inline double cos(double x) { return std::cos(x); }

// ---- unary functors: y = f(x) and grad = dy * f'(x) ----

// y = -x;  dy/dx = -1
template <class T> struct Neg {
  MUSE_HD T operator()(T x) const { return -x; }
  MUSE_HD T grad(T, T dy) const { return -dy; }
};
// y = |x|;  dy/dx = sign(x) (0 at 0)
template <class T> struct Abs {
  MUSE_HD T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::fabs(x);  // |-0| = +0
    return x < T(0) ? -x : x;
  }
  MUSE_HD T grad(T x, T dy) const { return select(x > T(0), dy, select(x < T(0), -dy, T(0))); }
};
// y = e^x;  dy/dx = e^x
template <class T> struct Exp {
  MUSE_HD T operator()(T x) const { return exp(x); }
  MUSE_HD T grad(T x, T dy) const { return dy * exp(x); }
};
// y = log x;  dy/dx = 1 / x
template <class T> struct Log {
  MUSE_HD T operator()(T x) const { return log(x); }
  MUSE_HD T grad(T x, T dy) const { return dy / x; }
};
// y = log(1 + x);  dy/dx = 1 / (1 + x)
template <class T> struct Log1p {
  MUSE_HD T operator()(T x) const { return log1p(x); }
  MUSE_HD T grad(T x, T dy) const { return dy / (T(1) + x); }
};
// y = sqrt x;  dy/dx = 1 / (2 sqrt x)
template <class T> struct Sqrt {
  MUSE_HD T operator()(T x) const { return std::sqrt(x); }
  MUSE_HD T grad(T x, T dy) const { return dy / (T(2) * std::sqrt(x)); }
};
// y = x^(-1/2);  dy/dx = -x^(-3/2) / 2
template <class T> struct Rsqrt {
  MUSE_HD T operator()(T x) const { return T(1) / std::sqrt(x); }
  MUSE_HD T grad(T x, T dy) const {
    T r = T(1) / std::sqrt(x);
    return T(-0.5) * dy * r * r * r;
  }
};
// y = sin x;  dy/dx = cos x
template <class T> struct Sin {
  MUSE_HD T operator()(T x) const { return sin(x); }
  MUSE_HD T grad(T x, T dy) const { return dy * cos(x); }
};
// y = cos x;  dy/dx = -sin x
template <class T> struct Cos {
  MUSE_HD T operator()(T x) const { return cos(x); }
  MUSE_HD T grad(T x, T dy) const { return -dy * sin(x); }
};
// y = tanh x;  dy/dx = 1 - y^2 = 4e / (1 + e)^2 with e = exp(-2|x|), which unlike 1 - y^2 keeps its
// relative accuracy where y is close to +-1.
template <class T> struct Tanh {
  MUSE_HD T operator()(T x) const { return tanh(x); }
  MUSE_HD T grad(T x, T dy) const {
    T e = exp(T(-2) * std::fabs(x)), d = T(1) + e;
    return dy * (T(4) * e / (d * d));
  }
};
// y = sigmoid(x) = 1 / (1 + e^-x);  dy/dx = y (1 - y)
template <class T> struct Sigmoid {
  MUSE_HD T operator()(T x) const { return sigmoid(x); }
  MUSE_HD T grad(T x, T dy) const { return dy * sigmoid_grad(x); }
};
// y = max(x, 0) (NaN stays NaN);  dy/dx = [x > 0]
template <class T> struct Relu {
  MUSE_HD T operator()(T x) const { return select((x > T(0)) | (x != x), x, T(0)); }
  MUSE_HD T grad(T x, T dy) const { return select(x > T(0), dy, T(0)); }
};
// y = x for x > 0, slope x otherwise;  dy/dx = 1 or slope
template <class T> struct LeakyRelu {
  T slope;
  MUSE_HD T operator()(T x) const { return select(x > T(0), x, slope * x); }
  MUSE_HD T grad(T x, T dy) const { return select(x > T(0), dy, slope * dy); }
};
// y = x Phi(x);  dy/dx = Phi(x) + x phi(x)
template <class T> struct Gelu {
  MUSE_HD T operator()(T x) const { return x * normal_cdf(x); }
  MUSE_HD T grad(T x, T dy) const { return dy * (normal_cdf(x) + x * normal_pdf(x)); }
};
// y = x (1 + tanh(g)) / 2 = x sigmoid(2g),  g = sqrt(2/pi) (x + 0.044715 x^3);
// dy/dx = s + 2 x s (1 - s) g',  s = sigmoid(2g),  g' = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
// The sigmoid form has no cancellation in 1 + tanh(g) for negative x. 2g = x (c1 + c3 x^2) with
// few roundings; still, for x << 0, y's relative error grows like |2g| ulps (the conditioning of
// exp at 2g, whatever the precision of the evaluation).
template <class T> struct GeluTanh {
  static constexpr T kA = T(0.79788456080286535588), kB = T(0.044715);
  static constexpr T kC1 = 2 * kA, kC3 = 2 * kA * kB;
  MUSE_HD T operator()(T x) const { return x * sigmoid(x * (kC1 + kC3 * x * x)); }
  MUSE_HD T grad(T x, T dy) const {
    T z = x * (kC1 + kC3 * x * x);
    T dg = kA * (T(1) + T(3) * kB * x * x);
    return dy * (sigmoid(z) + T(2) * x * sigmoid_grad(z) * dg);
  }
};
// y = x sigmoid(x);  dy/dx = s + x s (1 - s),  s = sigmoid(x)
template <class T> struct Silu {
  MUSE_HD T operator()(T x) const { return x * sigmoid(x); }
  MUSE_HD T grad(T x, T dy) const { return dy * (sigmoid(x) + x * sigmoid_grad(x)); }
};
// y = log(1 + e^(beta x)) / beta, or x where beta x > threshold (as PyTorch);  dy/dx = sigmoid(beta x).
// log(1 + e^z) = max(z, 0) + log1p(e^-|z|) never overflows.
template <class T> struct Softplus {
  T beta, threshold;
  MUSE_HD T operator()(T x) const {
    T z = beta * x;
    T y = (select(z > T(0), z, T(0)) + log1p(exp(-std::fabs(z)))) / beta;
    return select(z > threshold, x, y);
  }
  MUSE_HD T grad(T x, T dy) const {
    T z = beta * x;
    return select(z > threshold, dy, dy * sigmoid(z));
  }
};
// y = min(max(x, lo), hi) (hi wins when lo > hi, NaN stays NaN);  dy/dx = [lo <= x <= hi]
template <class T> struct Clamp {
  T lo, hi;
  MUSE_HD T operator()(T x) const {
    T y = select(x < lo, lo, x);
    return select(y > hi, hi, y);
  }
  MUSE_HD T grad(T x, T dy) const { return select((x >= lo) & (x <= hi), dy, T(0)); }
};
// y = x^2;  dy/dx = 2x  (pow with exponent 2, the common case, without a libm call)
template <class T> struct Square {
  MUSE_HD T operator()(T x) const { return x * x; }
  MUSE_HD T grad(T x, T dy) const { return T(2) * x * dy; }
};
// y = x^a;  dy/dx = a x^(a-1) (0 when a = 0)
template <class T> struct PowScalar {
  T a;
  MUSE_HD T operator()(T x) const { return std::pow(x, a); }
  MUSE_HD T grad(T x, T dy) const { return select(a == T(0), T(0), dy * a * std::pow(x, a - T(1))); }
};
struct LogicalNot {
  MUSE_HD bool operator()(bool x) const { return !x; }
  MUSE_HD bool grad(bool, bool) const { return false; }
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

template <class T> struct Add { MUSE_HD T operator()(T a, T b) const { return a + b; } };
template <class T> struct Sub { MUSE_HD T operator()(T a, T b) const { return a - b; } };
template <class T> struct Mul { MUSE_HD T operator()(T a, T b) const { return a * b; } };
template <class T> struct Div { MUSE_HD T operator()(T a, T b) const { return a / b; } };
template <class T> struct Pow { MUSE_HD T operator()(T a, T b) const { return std::pow(a, b); } };
// maximum and minimum propagate NaN from either side, as PyTorch's do.
template <class T> struct Maximum {
  MUSE_HD T operator()(T a, T b) const { return select((a > b) | (a != a), a, b); }
};
template <class T> struct Minimum {
  MUSE_HD T operator()(T a, T b) const { return select((a < b) | (a != a), a, b); }
};
template <class T> struct Eq { MUSE_HD bool operator()(T a, T b) const { return a == b; } };
template <class T> struct Ne { MUSE_HD bool operator()(T a, T b) const { return a != b; } };
template <class T> struct Lt { MUSE_HD bool operator()(T a, T b) const { return a < b; } };
template <class T> struct Le { MUSE_HD bool operator()(T a, T b) const { return a <= b; } };
template <class T> struct Gt { MUSE_HD bool operator()(T a, T b) const { return a > b; } };
template <class T> struct Ge { MUSE_HD bool operator()(T a, T b) const { return a >= b; } };
struct LogicalAnd { MUSE_HD bool operator()(bool a, bool b) const { return a && b; } };
struct LogicalOr { MUSE_HD bool operator()(bool a, bool b) const { return a || b; } };

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
