// Indexing kernels: index_select / index_add along the middle axis of an (outer, n, inner) block, and
// gather / scatter_add along any dim of an n-dimensional index.
//   index_select: out[o, j, c] = x[o, index[j], c]      index_add:   dx[o, index[j], c] += dy[o, j, c]
//   gather:       out[..., j, ...] = x[..., index[..., j, ...], ...]
//   scatter_add:  dst[..., index[..., j, ...], ...] += src[..., j, ...]
// One thread per element of the side that index shapes. Repeated indices make the adding kernels
// collide on one destination, so they add with atomicAdd (float sums then depend on the order the
// GPU runs them in, within rounding). Every index is range-checked by a first kernel that records the
// position of the first bad one; it is read back and reported before anything is written.
#include <limits>

#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/strided.h"

namespace muse::cuda {
namespace {

__global__ void check_range_kernel(const int64_t* idx, int64_t n, int64_t size, unsigned long long* first_bad) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    if (idx[i] < 0 || idx[i] >= size) atomicMin(first_bad, static_cast<unsigned long long>(i));
}

// Every index must lie in [0, size); the message is the CPU kernel's. dim < 0 when the kernel does not
// know which dim it indexes.
void check_range(const char* op, const Array& index, int64_t dim, int64_t size) {
  check(index.dtype == DType::Int64, op, ": indices must be int64, got ", index.dtype);
  int64_t n = index.numel();
  if (n == 0) return;
  Scratch flag(sizeof(unsigned long long));
  unsigned long long first_bad = std::numeric_limits<unsigned long long>::max();
  MUSE_CUDA_CHECK(cudaMemcpy(flag.as<unsigned long long>(), &first_bad, sizeof first_bad, cudaMemcpyHostToDevice));
  check_range_kernel<<<blocks_for(n), kThreads>>>(index.data<int64_t>(), n, size, flag.as<unsigned long long>());
  MUSE_LAUNCH_CHECK();
  MUSE_CUDA_CHECK(cudaMemcpy(&first_bad, flag.as<unsigned long long>(), sizeof first_bad, cudaMemcpyDeviceToHost));
  if (first_bad == std::numeric_limits<unsigned long long>::max()) return;
  int64_t bad = 0;
  MUSE_CUDA_CHECK(cudaMemcpy(&bad, index.data<int64_t>() + first_bad, sizeof bad, cudaMemcpyDeviceToHost));
  if (dim >= 0)
    throw Error(str(op, ": index ", bad, " is out of range for dim ", dim, " of size ", size,
                    " (expected 0 <= index < ", size, ")"));
  throw Error(str(op, ": index ", bad, " is out of range for a dim of size ", size, " (expected 0 <= index < ",
                  size, ")"));
}

template <class T>
__device__ void atomic_add(T* p, T v) {
  if constexpr (std::is_same_v<T, int64_t>)
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));  // two's complement
  else
    atomicAdd(p, v);
}

// Element i of out (outer, k, inner) comes from x (outer, n, inner) at row index[j].
template <class T>
__global__ void index_select_kernel(const T* x, const int64_t* idx, T* out, int64_t total, int64_t n, int64_t k,
                                    int64_t inner) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total; i += int64_t{gridDim.x} * blockDim.x) {
    int64_t r = i / inner, c = i - r * inner, o = r / k, j = r - o * k;
    out[i] = x[(o * n + idx[j]) * inner + c];
  }
}

template <class T>
__global__ void index_add_kernel(const T* dy, const int64_t* idx, T* dx, int64_t total, int64_t n, int64_t k,
                                 int64_t inner) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total; i += int64_t{gridDim.x} * blockDim.x) {
    int64_t r = i / inner, c = i - r * inner, o = r / k, j = r - o * k;
    atomic_add(dx + (o * n + idx[j]) * inner + c, dy[i]);
  }
}

// Operands of the walk over index's shape: 0 index, 1 the indexed array (x or dst) without its dim,
// 2 the index-shaped array (out or src). big_step is the indexed array's stride along dim.
template <class T, bool kAdd>
__global__ void gather_scatter_kernel(const int64_t* idx, T* big, T* small, int64_t n, Strided<3> walk,
                                      int64_t big_step) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    int64_t off[3];
    walk.offsets(i, off);
    T* at = big + off[1] + idx[off[0]] * big_step;
    if constexpr (kAdd)
      atomic_add(at, small[off[2]]);
    else
      small[off[2]] = *at;
  }
}

template <bool kAdd>
void gather_scatter(int64_t dim, const Array& index, const Array& big, const Array& small) {
  int64_t n = index.numel();
  Shape big_strides = big.strides;
  big_strides[dim] = 0;
  Strided<3> walk = make_strided<3>(index.shape, {index.strides, big_strides, small.strides});
  dispatch(big.dtype, [&]<class T>() {
    if constexpr (kAdd && std::is_same_v<T, bool>) {
      throw Error("scatter_add: cannot accumulate into a bool array");
    } else {
      gather_scatter_kernel<T, kAdd><<<blocks_for(n), kThreads>>>(index.data<int64_t>(), big.data<T>(),
                                                                  small.data<T>(), n, walk, big.strides[dim]);
      MUSE_LAUNCH_CHECK();
    }
  });
}

}  // namespace

void index_select(const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& index, const Array& out) {
  check_range("index_select", index, -1, n);
  int64_t k = index.numel(), total = outer * k * inner;
  if (total == 0) return;
  dispatch(x.dtype, [&]<class T>() {
    index_select_kernel<<<blocks_for(total), kThreads>>>(x.data<T>(), index.data<int64_t>(), out.data<T>(), total, n,
                                                         k, inner);
    MUSE_LAUNCH_CHECK();
  });
}

void index_add(const Array& dy, int64_t outer, int64_t n, int64_t inner, const Array& index, const Array& dx) {
  check_range("index_add", index, -1, n);
  check(dx.dtype != DType::Bool, "index_add: cannot accumulate into a bool array");
  int64_t k = index.numel(), total = outer * k * inner;
  if (total == 0) return;
  dispatch(dx.dtype, [&]<class T>() {
    if constexpr (!std::is_same_v<T, bool>) {
      index_add_kernel<<<blocks_for(total), kThreads>>>(dy.data<T>(), index.data<int64_t>(), dx.data<T>(), total, n,
                                                        k, inner);
      MUSE_LAUNCH_CHECK();
    }
  });
}

void gather(const Array& x, int64_t dim, const Array& index, const Array& out) {
  check_range("gather", index, dim, x.shape[dim]);
  if (index.numel() > 0) gather_scatter<false>(dim, index, x, out);
}

void scatter_add(const Array& dst, int64_t dim, const Array& index, const Array& src) {
  check_range("scatter_add", index, dim, dst.shape[dim]);  // before writing anything
  check(dst.dtype != DType::Bool, "scatter_add: cannot accumulate into a bool array");
  if (index.numel() > 0) gather_scatter<true>(dim, index, dst, src);
}

}  // namespace muse::cuda
