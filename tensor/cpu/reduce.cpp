// Reductions over the middle axis of x viewed as (outer, n, inner): sum, mean, max, min, arg max/min,
// two-pass variance and logsumexp.
//
// Two layouts, each with a loop the compiler can vectorise:
//   inner == 1 (rows):    an output reduces n contiguous elements; 16 independent accumulators ("lanes")
//                         live in vector registers and are folded pairwise at the end of a block.
//   inner > 1 (columns):  an output column i reduces x[o, :, i]; a tile of adjacent columns is updated
//                         row after row, so the inner loop runs along contiguous memory.
// Float sums are blocked: a block (1024 elements, or 64 rows) is summed in the input type, and each
// block's total is added into a double, so the rounding error grows with the block, not with n.
// The work is split into tasks (outer row, tile of columns, chunk of n); n is chunked only when there
// are too few rows and tiles to keep every core busy, and the chunks' partial results are folded last.

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "tensor/arg_fold.h"
#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

constexpr int kLanes = 16;          // independent accumulators of a row
constexpr int64_t kBlock = 1024;    // row elements summed in the input type before widening
constexpr int64_t kRowBlock = 64;   // rows of a column tile summed in the input type before widening
constexpr int64_t kTile = 1024;     // columns per task in the column layout

template <class U>
U lowest() {
  if constexpr (std::numeric_limits<U>::has_infinity) return -std::numeric_limits<U>::infinity();
  return std::numeric_limits<U>::lowest();
}
template <class U>
U highest() {
  if constexpr (std::numeric_limits<U>::has_infinity) return std::numeric_limits<U>::infinity();
  return std::numeric_limits<U>::max();
}

// The folds. apply(a, b) is associative; identity() is its neutral element. Max and Min let NaN win
// (b != b only for NaN), as PyTorch does.
struct Add {
  template <class U> static U identity() { return U(0); }
  template <class U> static U apply(U a, U b) { return a + b; }
};
struct Max {
  template <class U> static U identity() { return lowest<U>(); }
  template <class U> static U apply(U a, U b) { return (b > a || b != b) ? b : a; }
};
struct Min {
  template <class U> static U identity() { return highest<U>(); }
  template <class U> static U apply(U a, U b) { return (b < a || b != b) ? b : a; }
};

// Accumulator of a sum: double for floats, int64 for integers.
template <class T>
using Wide = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// P-fold of f(p[i]) over len contiguous elements: lanes of type L per block, blocks folded into A.
template <class P, class A, class L, class T, class F>
A fold_row(const T* p, int64_t len, F f) {
  A total = P::template identity<A>();
  for (int64_t b = 0; b < len; b += kBlock) {
    int64_t e = std::min(len, b + kBlock), i = b;
    L lane[kLanes];
    for (L& l : lane) l = P::template identity<L>();
    for (; i + kLanes <= e; i += kLanes)
#pragma GCC unroll 1  // kept as a loop: the loop vectoriser handles the selects of max/min, SLP does not
      for (int j = 0; j < kLanes; ++j) lane[j] = P::apply(lane[j], static_cast<L>(f(p[i + j])));
    for (; i < e; ++i) lane[0] = P::apply(lane[0], static_cast<L>(f(p[i])));
    for (int w = kLanes / 2; w > 0; w /= 2)
      for (int j = 0; j < w; ++j) lane[j] = P::apply(lane[j], lane[j + w]);
    total = P::apply(total, static_cast<A>(lane[0]));
  }
  return total;
}

// acc[i] = P-fold of acc[i] and f(p[k * stride + i], i) over rows k, for a tile of w <= kTile columns.
// Four rows are folded per pass, so the block is read and written once per four rows.
template <class P, class A, class L, class T, class F>
void fold_columns(const T* p, int64_t rows, int64_t stride, int64_t w, A* acc, F f) {
  L block[kTile];
  auto g = [&](const T* row, int64_t i) { return static_cast<L>(f(row[i], i)); };
  for (int64_t k0 = 0; k0 < rows; k0 += kRowBlock) {
    int64_t k1 = std::min(rows, k0 + kRowBlock), k = k0;
    for (int64_t i = 0; i < w; ++i) block[i] = P::template identity<L>();
    for (; k + 4 <= k1; k += 4) {
      const T *r0 = p + k * stride, *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
      for (int64_t i = 0; i < w; ++i)
        block[i] = P::apply(block[i], P::apply(P::apply(g(r0, i), g(r1, i)), P::apply(g(r2, i), g(r3, i))));
    }
    for (; k < k1; ++k)
      for (int64_t i = 0; i < w; ++i) block[i] = P::apply(block[i], g(p + k * stride, i));
    for (int64_t i = 0; i < w; ++i) acc[i] = P::apply(acc[i], static_cast<A>(block[i]));
  }
}

// Runs task(o, k0, k1, i0, w, acc) for every (row o, chunk [k0, k1) of n, tile [i0, i0 + w) of
// columns), with acc starting at identity, then finish(o, i0, w, acc) once every chunk of that row and
// tile has been folded together with P.
template <class P, class A, class Task, class Finish>
void run_reduction(int64_t outer, int64_t n, int64_t inner, A identity, Task task, Finish finish) {
  int64_t tile = inner == 1 ? 1 : kTile, tiles = (inner + tile - 1) / tile, units = outer * tiles;
  if (units == 0) return;
  int64_t want = 4 * parallel::num_threads(), chunks = 1;
  if (units < want && outer * n * inner >= 2 * kGrain)
    chunks = std::clamp<int64_t>((want + units - 1) / units, 1, std::max<int64_t>(1, n / 64));
  int64_t chunk = (n + chunks - 1) / std::max<int64_t>(chunks, 1);
  int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, chunk * std::min(inner, tile)));
  auto width = [&](int64_t u) { return std::min(tile, inner - (u % tiles) * tile); };
  if (chunks == 1) {
    parallel::parallel_for(units, grain, [&](int64_t b, int64_t e) {
      A acc[kTile];
      for (int64_t u = b; u < e; ++u) {
        int64_t o = u / tiles, i0 = (u % tiles) * tile, w = width(u);
        std::fill(acc, acc + w, identity);
        task(o, int64_t{0}, n, i0, w, acc);
        finish(o, i0, w, acc);
      }
    });
    return;
  }
  // (units, chunks, tile); not a std::vector, which packs bools into bits.
  std::unique_ptr<A[]> part(new A[units * chunks * tile]);
  std::fill(part.get(), part.get() + units * chunks * tile, identity);
  parallel::parallel_for(units * chunks, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t u = t / chunks, c = t % chunks, k0 = std::min(n, c * chunk);
      task(u / tiles, k0, std::min(n, k0 + chunk), (u % tiles) * tile, width(u), part.get() + t * tile);
    }
  });
  parallel::parallel_for(units, std::max<int64_t>(1, kGrain / (chunks * tile)), [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      A* acc = part.get() + u * chunks * tile;
      for (int64_t c = 1; c < chunks; ++c)
        for (int64_t i = 0; i < width(u); ++i) acc[i] = P::apply(acc[i], acc[c * tile + i]);
      finish(u / tiles, (u % tiles) * tile, width(u), acc);
    }
  });
}

// The P-fold of f over x (outer, n, inner); f(x, m) also sees m = aux[o * inner + i] (the row's or
// column's mean or maximum for the second pass of variance and logsumexp; null for a plain fold).
template <class P, class A, class L, class T, class F, class Finish>
void fold(const T* x, int64_t outer, int64_t n, int64_t inner, const A* aux, F f, Finish finish) {
  auto task = [&](int64_t o, int64_t k0, int64_t k1, int64_t i0, int64_t w, A* acc) {
    const T* base = x + (o * n + k0) * inner + i0;
    const A* m = aux ? aux + o * inner + i0 : nullptr;
    if (inner == 1) {
      A mo = m ? m[0] : A(0);
      acc[0] = P::apply(acc[0], fold_row<P, A, L>(base, k1 - k0, [&](T v) { return f(v, mo); }));
    } else {
      fold_columns<P, A, L>(base, k1 - k0, inner, w, acc, [&](T v, int64_t i) { return f(v, m ? m[i] : A(0)); });
    }
  };
  run_reduction<P, A>(outer, n, inner, P::template identity<A>(), task, finish);
}

// Writes out[o * inner + i] = g(acc[i]) for a finished tile.
template <class T, class G>
auto writer(T* out, int64_t inner, G g) {
  return [=](int64_t o, int64_t i0, int64_t w, const auto* acc) {
    for (int64_t i = 0; i < w; ++i) out[o * inner + i0 + i] = static_cast<T>(g(acc[i]));
  };
}

constexpr auto kSame = [](auto v, auto) { return v; };

}  // namespace

void reduce(ReduceOp op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out) {
  dispatch(x.dtype, [&]<class T>() {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    if constexpr (std::is_same_v<T, bool>) {
      check(op == ReduceOp::Max || op == ReduceOp::Min, "reduce: sum and mean of bool need int64 input");
    } else if (op == ReduceOp::Sum || op == ReduceOp::Mean) {
      using A = Wide<T>;
      A scale = op == ReduceOp::Mean ? A(n) : A(1);
      fold<Add, A, T>(px, outer, n, inner, static_cast<const A*>(nullptr), kSame,
                      writer(po, inner, [=](A s) { return s / scale; }));
      return;
    }
    auto keep = [](T v) { return v; };
    if (op == ReduceOp::Max)
      fold<Max, T, T>(px, outer, n, inner, static_cast<const T*>(nullptr), kSame, writer(po, inner, keep));
    else
      fold<Min, T, T>(px, outer, n, inner, static_cast<const T*>(nullptr), kSame, writer(po, inner, keep));
  });
}

namespace {

template <bool IsMax, class T>
void arg_fold(const T* x, int64_t outer, int64_t n, int64_t inner, T* values, int64_t* indices) {
  using B = Best<T>;
  using P = ArgFold<IsMax>;
  auto task = [&](int64_t o, int64_t k0, int64_t k1, int64_t i0, int64_t w, B* acc) {
    for (int64_t k = k0; k < k1; ++k) {
      const T* row = x + (o * n + k) * inner + i0;
      for (int64_t i = 0; i < w; ++i) acc[i] = P::apply(acc[i], B{row[i], k});
    }
  };
  auto finish = [&](int64_t o, int64_t i0, int64_t w, const B* acc) {
    for (int64_t i = 0; i < w; ++i) {
      values[o * inner + i0 + i] = acc[i].v;
      indices[o * inner + i0 + i] = acc[i].i;
    }
  };
  B identity{IsMax ? lowest<T>() : highest<T>(), std::numeric_limits<int64_t>::max()};
  run_reduction<P, B>(outer, n, inner, identity, task, finish);
}

}  // namespace

void arg_reduce(ReduceOp op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& values,
                const Array& indices) {
  check(op == ReduceOp::Max || op == ReduceOp::Min, "arg_reduce: only max and min have an index");
  dispatch(x.dtype, [&]<class T>() {
    if (op == ReduceOp::Max)
      arg_fold<true>(x.data<T>(), outer, n, inner, values.data<T>(), indices.data<int64_t>());
    else
      arg_fold<false>(x.data<T>(), outer, n, inner, values.data<T>(), indices.data<int64_t>());
  });
}

// var = sum((x - mean)^2) / (n - correction): the first pass finds the mean, the second sums squared
// deviations from it, which stays accurate when the mean is large compared with the spread.
void variance(const Array& x, int64_t outer, int64_t n, int64_t inner, double correction, const Array& out) {
  dispatch_float(x.dtype, "variance", [&]<class T>() {
    const T* px = x.data<T>();
    std::vector<double> mean(outer * inner);
    fold<Add, double, T>(px, outer, n, inner, static_cast<const double*>(nullptr), kSame,
                         writer(mean.data(), inner, [=](double s) { return s / double(n); }));
    auto sq = [](T v, double m) {
      T d = v - static_cast<T>(m);
      return d * d;
    };
    double denom = double(n) - correction;
    fold<Add, double, T>(px, outer, n, inner, mean.data(), sq,
                         writer(out.data<T>(), inner, [=](double s) { return s / denom; }));
  });
}

// logsumexp = m + log(sum(exp(x - m))) with m the maximum, so exp never overflows. When m is infinite
// the answer is m itself (all -inf gives -inf rather than the NaN of -inf - -inf).
void logsumexp(const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out) {
  dispatch_float(x.dtype, "logsumexp", [&]<class T>() {
    const T* px = x.data<T>();
    std::vector<double> m(outer * inner);
    fold<Max, T, T>(px, outer, n, inner, static_cast<const T*>(nullptr), kSame,
                    writer(m.data(), inner, [](T v) { return double(v); }));
    auto shifted = [](T v, double mx) { return std::isinf(mx) ? T(0) : std::exp(v - static_cast<T>(mx)); };
    T* po = out.data<T>();
    auto finish = [&](int64_t o, int64_t i0, int64_t w, const double* acc) {
      for (int64_t i = 0; i < w; ++i) {
        double mx = m[o * inner + i0 + i];
        po[o * inner + i0 + i] = static_cast<T>(std::isinf(mx) ? mx : mx + std::log(acc[i]));
      }
    };
    fold<Add, double, T>(px, outer, n, inner, m.data(), shifted, finish);
  });
}

}  // namespace muse::cpu
