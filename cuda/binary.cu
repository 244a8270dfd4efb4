// out = a op b with NumPy broadcasting, and out = cond ? a : b. The per-element math is the functors of
// tensor/elementwise_math.h. Two paths: operands of out's shape (or single elements, as in x * 0.5)
// are one flat loop with 16-byte vectors; any other broadcast walks strides (cuda/strided.h).
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/strided.h"
#include "tensor/elementwise_math.h"

namespace muse::cuda {
namespace {

// The flat path: a and b are contiguous of out's shape, or one element (a_one, b_one) used for all.
template <int N, class T, class R, class F>
__global__ void binary_flat_kernel(const T* a, const T* b, R* out, int64_t n, bool a_one, bool b_one, F f) {
  int64_t step = int64_t{gridDim.x} * blockDim.x, first = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  const T a0 = a[0], b0 = b[0];
  for (int64_t i = first; i < n / N; i += step) {
    Vec<T, N> va, vb;
    Vec<R, N> vo;
    if (a_one) {
#pragma unroll
      for (int j = 0; j < N; ++j) va.v[j] = a0;
    } else {
      va = reinterpret_cast<const Vec<T, N>*>(a)[i];
    }
    if (b_one) {
#pragma unroll
      for (int j = 0; j < N; ++j) vb.v[j] = b0;
    } else {
      vb = reinterpret_cast<const Vec<T, N>*>(b)[i];
    }
#pragma unroll
    for (int j = 0; j < N; ++j) vo.v[j] = f(va.v[j], vb.v[j]);
    reinterpret_cast<Vec<R, N>*>(out)[i] = vo;
  }
  for (int64_t i = n / N * N + first; i < n; i += step) out[i] = f(a_one ? a0 : a[i], b_one ? b0 : b[i]);
}

// The general path: operand 0 is out, 1 is a, 2 is b, each with its broadcast strides.
template <class T, class R, class F>
__global__ void binary_strided_kernel(const T* a, const T* b, R* out, int64_t n, Strided<3> walk, F f) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    int64_t off[3];
    walk.offsets(i, off);
    out[off[0]] = f(a[off[1]], b[off[2]]);
  }
}

template <class T>
__global__ void where_kernel(const bool* cond, const T* a, const T* b, T* out, int64_t n, Strided<4> walk) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    int64_t off[4];
    walk.offsets(i, off);
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
  }
}

// Contiguous with the output's shape, or a single element.
bool flat_operand(const Array& a, const Array& out, bool* one) {
  *one = a.numel() == 1;
  return *one || (a.shape == out.shape && a.is_contiguous());
}

}  // namespace

void binary(BinaryOp op, const Array& a, const Array& b, const Array& out) {
  int64_t n = out.numel();
  dispatch(a.dtype, [&]<class T>() {
    ew::visit_binary<T>(op, [&](auto f) {
      using R = decltype(f(T{}, T{}));
      constexpr int kN = kVec<T>;
      if (n == 0) return;
      const T *pa = a.data<T>(), *pb = b.data<T>();
      R* po = out.data<R>();
      bool a_one = false, b_one = false;
      if (out.is_contiguous() && flat_operand(a, out, &a_one) && flat_operand(b, out, &b_one)) {
        bool vec = (a_one || aligned(pa, 16)) && (b_one || aligned(pb, 16)) && aligned(po, sizeof(R) * kN);
        if (vec)
          binary_flat_kernel<kN><<<blocks_for(n / kN + 1), kThreads>>>(pa, pb, po, n, a_one, b_one, f);
        else
          binary_flat_kernel<1><<<blocks_for(n), kThreads>>>(pa, pb, po, n, a_one, b_one, f);
      } else {
        Strided<3> walk = make_strided<3>(out.shape, {out.strides, broadcast_strides(a.shape, a.strides, out.shape),
                                                      broadcast_strides(b.shape, b.strides, out.shape)});
        binary_strided_kernel<<<blocks_for(n), kThreads>>>(pa, pb, po, n, walk, f);
      }
      MUSE_LAUNCH_CHECK();
    });
  });
}

void where(const Array& cond, const Array& a, const Array& b, const Array& out) {
  check(cond.dtype == DType::Bool, "where: the condition must be a bool array, got ", cond.dtype);
  int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype, [&]<class T>() {
    Strided<4> walk = make_strided<4>(out.shape, {out.strides, broadcast_strides(cond.shape, cond.strides, out.shape),
                                                  broadcast_strides(a.shape, a.strides, out.shape),
                                                  broadcast_strides(b.shape, b.strides, out.shape)});
    where_kernel<<<blocks_for(n), kThreads>>>(cond.data<bool>(), a.data<T>(), b.data<T>(), out.data<T>(), n, walk);
    MUSE_LAUNCH_CHECK();
  });
}

}  // namespace muse::cuda
