// Indexing kernels: index_select / index_add along the middle axis of an (outer, n, inner) block, and
// gather / scatter_add along any dim of an n-dimensional index.
//   index_select: out[o, j, c] = x[o, index[j], c]      index_add:   dx[o, index[j], c] += dy[o, j, c]
//   gather:       out[..., j, ...] = x[..., index[..., j, ...], ...]
//   scatter_add:  dst[..., index[..., j, ...], ...] += src[..., j, ...]
// The adding kernels see repeated indices, so two threads must never own the same destination: they
// split the positions that index cannot change (o and c, or every coordinate but dim) and each walks
// all j of its positions.
#include <algorithm>

#include "tensor/cpu/kernels.h"
#include "tensor/cpu/strided.h"

namespace muse::cpu {
namespace {

// Every index must lie in [0, size). dim < 0 when the kernel does not know which dim it indexes.
void check_range(const char* op, const Array& index, int64_t dim, int64_t size) {
  check(index.dtype == DType::Int64, op, ": indices must be int64, got ", index.dtype);
  const int64_t* idx = index.data<int64_t>();
  for (int64_t i = 0, n = index.numel(); i < n; ++i) {
    if (idx[i] >= 0 && idx[i] < size) continue;
    if (dim >= 0)
      throw Error(str(op, ": index ", idx[i], " is out of range for dim ", dim, " of size ", size,
                      " (expected 0 <= index < ", size, ")"));
    throw Error(str(op, ": index ", idx[i], " is out of range for a dim of size ", size,
                    " (expected 0 <= index < ", size, ")"));
  }
}

// Like dispatch, for the kernels that add: bool arrays cannot accumulate.
template <class F>
void dispatch_add(DType dtype, const char* op, F&& f) {
  check(dtype != DType::Bool, op, ": cannot accumulate into a bool array");
  dispatch(dtype, std::forward<F>(f));
}

// The walk shared by gather and scatter_add. `index` has the shape the loop runs over; `big` is the
// array indexed along dim (x or dst) and `small` the one with index's shape (out or src). The dim
// itself is taken out of the layout and walked by the caller's j loop, so a unit of parallel work is
// one position of every other coordinate, and no two units touch the same element of `big`.
// row(off, e0, e1, st) handles elements [e0, e1) of one layout row; off and st are per operand.
template <class Row>
void walk_without_dim(int64_t dim, const Array& index, const Array& big, const Array& small, Row&& row) {
  int64_t k = index.shape[dim];
  if (index.numel() == 0) return;
  Shape rest = index.shape;
  rest[dim] = 1;
  StridedLayout<3> layout(rest, {index.strides, big.strides, small.strides});
  const Shape& shape = layout.shape;
  int64_t nd = shape.size(), len = shape[nd - 1], units = shape.numel();
  std::array<int64_t, 3> st;
  for (int k3 = 0; k3 < 3; ++k3) st[k3] = layout.strides[k3][nd - 1];
  parallel::parallel_for(units, std::max<int64_t>(1, kGrain / k), [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end;) {
      int64_t r = u / len, e0 = u % len, e1 = std::min(len, e0 + (end - u));
      std::array<int64_t, 3> off{};
      for (int64_t d = nd - 2, rem = r; d >= 0; --d) {
        int64_t i = rem % shape[d];
        rem /= shape[d];
        for (int k3 = 0; k3 < 3; ++k3) off[k3] += i * layout.strides[k3][d];
      }
      row(off, e0, e1, st);
      u += e1 - e0;
    }
  });
}

}  // namespace

void index_select(const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& index,
                  const Array& out) {
  check_range("index_select", index, -1, n);
  int64_t k = index.numel();
  const int64_t* idx = index.data<int64_t>();
  dispatch(x.dtype, [&]<class T>() {
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    // One unit is one output row (o, j) of `inner` elements.
    auto rows = [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t o = r / k, j = r % k;
        std::copy_n(src + (o * n + idx[j]) * inner, inner, dst + r * inner);
      }
    };
    parallel::parallel_for(outer * k, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)), rows);
  });
}

void index_add(const Array& dy, int64_t outer, int64_t n, int64_t inner, const Array& index,
               const Array& dx) {
  check_range("index_add", index, -1, n);
  int64_t k = index.numel();
  const int64_t* idx = index.data<int64_t>();
  dispatch_add(dx.dtype, "index_add", [&]<class T>() {
    const T* src = dy.data<T>();
    T* dst = dx.data<T>();
    // A unit is one column (o, c); a thread owns a run of columns and adds every j into them.
    auto columns = [&](int64_t begin, int64_t end) {
      for (int64_t o = begin / inner; o * inner < end; ++o) {
        int64_t c0 = std::max(begin, o * inner) - o * inner, c1 = std::min(end, (o + 1) * inner) - o * inner;
        for (int64_t j = 0; j < k; ++j) {
          T* d = dst + (o * n + idx[j]) * inner;
          const T* s = src + (o * k + j) * inner;
          for (int64_t c = c0; c < c1; ++c) d[c] += s[c];
        }
      }
    };
    parallel::parallel_for(outer * inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(k, 1)), columns);
  });
}

void gather(const Array& x, int64_t dim, const Array& index, const Array& out) {
  check_range("gather", index, dim, x.shape[dim]);
  int64_t k = index.shape[dim], is = index.strides[dim], xs = x.strides[dim], os = out.strides[dim];
  const int64_t* idx = index.data<int64_t>();
  dispatch(x.dtype, [&]<class T>() {
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    walk_without_dim(dim, index, x, out, [&](const std::array<int64_t, 3>& off, int64_t e0, int64_t e1,
                                              const std::array<int64_t, 3>& st) {
      for (int64_t j = 0; j < k; ++j)
        for (int64_t e = e0; e < e1; ++e)
          dst[off[2] + j * os + e * st[2]] = src[off[1] + idx[off[0] + j * is + e * st[0]] * xs + e * st[1]];
    });
  });
}

void scatter_add(const Array& dst, int64_t dim, const Array& index, const Array& src) {
  check_range("scatter_add", index, dim, dst.shape[dim]);  // before writing anything
  int64_t k = index.shape[dim], is = index.strides[dim], ds = dst.strides[dim], ss = src.strides[dim];
  const int64_t* idx = index.data<int64_t>();
  dispatch_add(dst.dtype, "scatter_add", [&]<class T>() {
    T* d = dst.data<T>();
    const T* s = src.data<T>();
    walk_without_dim(dim, index, dst, src, [&](const std::array<int64_t, 3>& off, int64_t e0, int64_t e1,
                                                const std::array<int64_t, 3>& st) {
      for (int64_t j = 0; j < k; ++j)
        for (int64_t e = e0; e < e1; ++e)
          d[off[1] + idx[off[0] + j * is + e * st[0]] * ds + e * st[1]] += s[off[2] + j * ss + e * st[2]];
    });
  });
}

}  // namespace muse::cpu
