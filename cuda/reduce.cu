// Reductions over the middle axis of (outer, n, inner): sum, mean, max, min, arg max/min, two-pass
// variance and logsumexp, all on the folds of cuda/fold.h. Float sums accumulate in double (as the CPU
// kernels' blocks do), so the result does not depend on n's size or on how the work is split.
#include <type_traits>

#include "cuda/fold.h"
#include "cuda/kernels.h"
#include "tensor/arg_fold.h"
#include "tensor/elementwise_math.h"

namespace muse::cuda {
namespace {

// Accumulator of a sum: double for floats, int64 for integers.
template <class T>
using Wide = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// out[slot] = acc / divisor, converted to T.
template <class T, class A>
struct WriteDivided {
  T* out;
  A divisor;
  __device__ void operator()(int64_t slot, A acc) const { out[slot] = static_cast<T>(acc / divisor); }
};

template <class T>
struct Write {
  T* out;
  __device__ void operator()(int64_t slot, T acc) const { out[slot] = acc; }
};

template <class T>
struct MakeBest {
  __device__ Best<T> operator()(T v, int64_t k, int64_t) const { return {v, k}; }
};

template <class T>
struct WriteBest {
  T* values;
  int64_t* indices;
  __device__ void operator()(int64_t slot, Best<T> b) const {
    values[slot] = b.v;
    indices[slot] = b.i;
  }
};

// (x - mean)^2 in T, as the CPU's second pass computes it, then widened.
template <class T>
struct SquaredDeviation {
  const double* mean;
  __device__ double operator()(T v, int64_t, int64_t slot) const {
    T d = v - static_cast<T>(mean[slot]);
    return static_cast<double>(d * d);
  }
};

// exp(x - m), or 0 when the maximum m is infinite (the answer is then m itself).
template <class T>
struct ShiftedExp {
  const T* max;
  __device__ double operator()(T v, int64_t, int64_t slot) const {
    T m = max[slot];
    return isinf(m) ? 0.0 : static_cast<double>(ew::exp(v - m));
  }
};

template <class T>
struct WriteLogSumExp {
  const T* max;
  T* out;
  __device__ void operator()(int64_t slot, double s) const {
    double m = max[slot];
    out[slot] = static_cast<T>(isinf(m) ? m : m + ::log(s));
  }
};

template <class T>
void max_or_min(ReduceOp op, const T* x, int64_t outer, int64_t n, int64_t inner, T* out) {
  if (op == ReduceOp::Max)
    run_fold(x, outer, n, inner, MaxFold{}, lowest<T>(), Widen<T>{}, Write<T>{out});
  else
    run_fold(x, outer, n, inner, MinFold{}, highest<T>(), Widen<T>{}, Write<T>{out});
}

}  // namespace

void reduce(ReduceOp op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out) {
  dispatch(x.dtype, [&]<class T>() {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    if constexpr (std::is_same_v<T, bool>) {
      check(op == ReduceOp::Max || op == ReduceOp::Min, "reduce: sum and mean of bool need int64 input");
    } else if (op == ReduceOp::Sum || op == ReduceOp::Mean) {
      using A = Wide<T>;
      A divisor = op == ReduceOp::Mean ? A(n) : A(1);
      run_fold(px, outer, n, inner, SumFold{}, A(0), Widen<A>{}, WriteDivided<T, A>{po, divisor});
      return;
    }
    max_or_min(op, px, outer, n, inner, po);
  });
}

void arg_reduce(ReduceOp op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& values,
                const Array& indices) {
  check(op == ReduceOp::Max || op == ReduceOp::Min, "arg_reduce: only max and min have an index");
  dispatch(x.dtype, [&]<class T>() {
    WriteBest<T> sink{values.data<T>(), indices.data<int64_t>()};
    constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
    if (op == ReduceOp::Max)
      run_fold(x.data<T>(), outer, n, inner, ArgFold<true>{}, Best<T>{lowest<T>(), kNone}, MakeBest<T>{}, sink);
    else
      run_fold(x.data<T>(), outer, n, inner, ArgFold<false>{}, Best<T>{highest<T>(), kNone}, MakeBest<T>{}, sink);
  });
}

// var = sum((x - mean)^2) / (n - correction): the first pass finds the mean, the second sums squared
// deviations from it, which stays accurate when the mean is large compared with the spread.
void variance(const Array& x, int64_t outer, int64_t n, int64_t inner, double correction, const Array& out) {
  dispatch_float(x.dtype, "variance", [&]<class T>() {
    const T* px = x.data<T>();
    Scratch mean(outer * inner * sizeof(double));
    run_fold(px, outer, n, inner, SumFold{}, 0.0, Widen<double>{},
             WriteDivided<double, double>{mean.as<double>(), double(n)});
    run_fold(px, outer, n, inner, SumFold{}, 0.0, SquaredDeviation<T>{mean.as<double>()},
             WriteDivided<T, double>{out.data<T>(), double(n) - correction});
  });
}

// logsumexp = m + log(sum(exp(x - m))) with m the maximum, so exp never overflows.
void logsumexp(const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out) {
  dispatch_float(x.dtype, "logsumexp", [&]<class T>() {
    const T* px = x.data<T>();
    Scratch max(outer * inner * sizeof(T));
    max_or_min(ReduceOp::Max, px, outer, n, inner, max.as<T>());
    run_fold(px, outer, n, inner, SumFold{}, 0.0, ShiftedExp<T>{max.as<T>()},
             WriteLogSumExp<T>{max.as<T>(), out.data<T>()});
  });
}

}  // namespace muse::cuda
