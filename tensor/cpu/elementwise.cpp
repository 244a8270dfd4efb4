// Elementwise kernels: y = f(x), dx = dy * f'(x), out = a op b with NumPy broadcasting, and where.
// The per-element math is in tensor/elementwise_math.h; this file only walks memory. Every inner
// loop is a plain indexed loop over contiguous (or stride-0) data, which GCC vectorises.
#include <algorithm>
#include <array>

#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/cpu/strided.h"
#include "tensor/elementwise_math.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

// The per-range loops take the functor and pointers by value, so the compiler sees that the output
// stores cannot change them and keeps them in registers.
template <class T, class R, class F>
void unary_range(const T* x, R* y, int64_t begin, int64_t end, F f) {
  for (int64_t i = begin; i < end; ++i) y[i] = f(x[i]);
}

template <class T, class F>
void unary_grad_range(const T* x, const T* dy, T* dx, int64_t begin, int64_t end, F f) {
  for (int64_t i = begin; i < end; ++i) dx[i] = f.grad(x[i], dy[i]);
}

// One run of n outputs: operand strides sa, sb along the run are 1 (contiguous) or 0 (a broadcast
// scalar); anything else (only seen for strided inputs) takes the general indexed loop.
template <class T, class R, class F>
void binary_run(const T* a, int64_t sa, const T* b, int64_t sb, R* out, int64_t n, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i * sa], b[i * sb]);
  }
}

template <class T>
void where_run(const bool* c, int64_t sc, const T* a, int64_t sa, const T* b, int64_t sb, T* out,
               int64_t n) {
  if (sc == 1 && sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = c[i] ? a[i] : b[i];
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = c[i * sc] ? a[i * sa] : b[i * sb];
  }
}

// The strides that read `a` as if expanded to `shape` (NumPy rules): 0 along broadcast dimensions.
Shape broadcast_strides(const Array& a, const Shape& shape) {
  Shape st;
  int64_t lead = shape.size() - a.ndim();
  for (int64_t d = 0; d < shape.size(); ++d) {
    int64_t da = d - lead;
    st.push_back(da < 0 || a.shape[da] == 1 ? 0 : a.strides[da]);
  }
  return st;
}

// Calls run(offsets, n, inner_strides) on runs of consecutive elements along the last dimension of
// the merged layout, splitting the total element count (not the rows) among threads, so a single
// long row (the flat case) is parallel too. Within a range, the outer index is advanced like an
// odometer instead of being recomputed per row.
template <int N, class Run>
void for_each_run(const StridedLayout<N>& L, Run&& run) {
  const int64_t nd = L.shape.size(), len = L.shape[nd - 1], total = L.shape.numel();
  std::array<int64_t, N> inner;
  for (int k = 0; k < N; ++k) inner[k] = L.strides[k][nd - 1];
  parallel::parallel_for(total, kGrain, [&](int64_t begin, int64_t end) {
    Shape idx = L.shape;  // outer multi-index of `begin`, in dims [0, nd - 1)
    std::array<int64_t, N> off{};
    int64_t rem = begin / len, col = begin % len;
    for (int64_t d = nd - 2; d >= 0; --d) {
      idx[d] = rem % L.shape[d];
      rem /= L.shape[d];
      for (int k = 0; k < N; ++k) off[k] += idx[d] * L.strides[k][d];
    }
    while (begin < end) {
      int64_t n = std::min(len - col, end - begin);
      std::array<int64_t, N> at = off;
      for (int k = 0; k < N; ++k) at[k] += col * inner[k];
      run(at, n, inner);
      begin += n;
      col = 0;
      for (int64_t d = nd - 2; d >= 0; --d) {  // next row
        for (int k = 0; k < N; ++k) off[k] += L.strides[k][d];
        if (++idx[d] < L.shape[d]) break;
        for (int k = 0; k < N; ++k) off[k] -= L.strides[k][d] * L.shape[d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

void unary(UnaryOp op, const Array& x, const Array& y, UnaryParams p) {
  dispatch(x.dtype, [&]<class T>() {
    ew::visit_unary<T>(op, p, [&](auto f) {
      const T* in = x.data<T>();
      T* out = y.data<T>();
      parallel::parallel_for(x.numel(), kGrain, [&](int64_t b, int64_t e) { unary_range(in, out, b, e, f); });
    });
  });
}

void unary_backward(UnaryOp op, const Array& x, const Array& dy, const Array& dx, UnaryParams p) {
  dispatch_float(x.dtype, ew::unary_name(op), [&]<class T>() {
    ew::visit_unary<T>(op, p, [&](auto f) {
      const T* in = x.data<T>();
      const T* g = dy.data<T>();
      T* out = dx.data<T>();
      parallel::parallel_for(x.numel(), kGrain,
                             [&](int64_t b, int64_t e) { unary_grad_range(in, g, out, b, e, f); });
    });
  });
}

// Fast paths: equal contiguous shapes are one flat loop. Otherwise the broadcast strides are merged
// (strided.h): a scalar operand becomes stride 0 along one long run, and the row broadcast
// (N, C) op (C,) becomes N runs of C with both operands contiguous; other shapes walk runs likewise.
void binary(BinaryOp op, const Array& a, const Array& b, const Array& out) {
  dispatch(a.dtype, [&]<class T>() {
    ew::visit_binary<T>(op, [&](auto f) {
      using R = decltype(f(T{}, T{}));
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      R* po = out.data<R>();
      if (a.shape == out.shape && b.shape == out.shape && a.is_contiguous() && b.is_contiguous() &&
          out.is_contiguous()) {
        parallel::parallel_for(out.numel(), kGrain,
                               [&](int64_t s, int64_t e) { binary_run(pa + s, 1, pb + s, 1, po + s, e - s, f); });
        return;
      }
      StridedLayout<3> layout(out.shape,
                              {out.strides, broadcast_strides(a, out.shape), broadcast_strides(b, out.shape)});
      for_each_run(layout, [&](const std::array<int64_t, 3>& at, int64_t n, const std::array<int64_t, 3>& st) {
        if (st[0] == 1) {
          binary_run(pa + at[1], st[1], pb + at[2], st[2], po + at[0], n, f);
        } else {
          for (int64_t i = 0; i < n; ++i) po[at[0] + i * st[0]] = f(pa[at[1] + i * st[1]], pb[at[2] + i * st[2]]);
        }
      });
    });
  });
}

void where(const Array& cond, const Array& a, const Array& b, const Array& out) {
  check(cond.dtype == DType::Bool, "where: the condition must be a bool array, got ", cond.dtype);
  dispatch(out.dtype, [&]<class T>() {
    const bool* pc = cond.data<bool>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* po = out.data<T>();
    StridedLayout<4> layout(out.shape, {out.strides, broadcast_strides(cond, out.shape),
                                        broadcast_strides(a, out.shape), broadcast_strides(b, out.shape)});
    for_each_run(layout, [&](const std::array<int64_t, 4>& at, int64_t n, const std::array<int64_t, 4>& st) {
      if (st[0] == 1) {
        where_run(pc + at[1], st[1], pa + at[2], st[2], pb + at[3], st[3], po + at[0], n);
      } else {
        for (int64_t i = 0; i < n; ++i)
          po[at[0] + i * st[0]] = pc[at[1] + i * st[1]] ? pa[at[2] + i * st[2]] : pb[at[3] + i * st[3]];
      }
    });
  });
}

}  // namespace muse::cpu
