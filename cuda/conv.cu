// im2col and col2im on the GPU (index math shared with the CPU in tensor/conv_math.h).
//   im2col: cols (C*kh*kw, N*Ho*Wo)[(c, i, j), (n, oh, ow)] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]
//   col2im: dx[n, c, ih, iw] = the sum of the cols entries that im2col read from there
// One thread per written element: im2col's consecutive threads write consecutive columns (coalesced
// stores, loads strided by the stride); col2im gathers its at most kh*kw terms, so it needs no atomics.
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "tensor/conv_math.h"

namespace muse::cuda {
namespace {

template <class T>
__global__ void im2col_kernel(const T* x, ConvGeometry g, T* cols, int64_t total) {
  int64_t ncols = g.cols();
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < total; e += int64_t{gridDim.x} * blockDim.x) {
    int64_t src = conv::im2col_source(g, e / ncols, e % ncols);
    cols[e] = src >= 0 ? x[src] : T(0);
  }
}

template <class T>
__global__ void col2im_kernel(const T* cols, ConvGeometry g, T* dx, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < total; e += int64_t{gridDim.x} * blockDim.x)
    dx[e] = conv::col2im_element(g, cols, e);
}

}  // namespace

void im2col(const Array& x, const ConvGeometry& g, const Array& cols) {
  int64_t total = g.rows() * g.cols();
  if (total == 0) return;
  dispatch_float(cols.dtype, "im2col", [&]<class T>() {
    im2col_kernel<<<blocks_for(total), kThreads>>>(x.data<T>(), g, cols.data<T>(), total);
    MUSE_LAUNCH_CHECK();
  });
}

void col2im(const Array& cols, const ConvGeometry& g, const Array& dx) {
  int64_t total = g.n * g.c * g.h * g.w;
  if (total == 0) return;
  dispatch_float(dx.dtype, "col2im", [&]<class T>() {
    col2im_kernel<<<blocks_for(total), kThreads>>>(cols.data<T>(), g, dx.data<T>(), total);
    MUSE_LAUNCH_CHECK();
  });
}

}  // namespace muse::cuda
