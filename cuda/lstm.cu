// The fused LSTM cell: one thread per position (b, j) of the (B, H) state runs
// lstm_cell_forward_element or lstm_cell_backward_element (tensor/lstm_math.h), the functions the CPU
// kernel runs. Neighbouring threads take neighbouring j, so each of the four gate blocks of a row is
// read and written coalesced.
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "tensor/lstm_math.h"

namespace muse::cuda {
namespace {

// gates, act (B, 4H); c, h, c_out (B, H); n = B * H.
template <class T>
__global__ void lstm_cell_forward_kernel(const T* gates, const T* c, T* act, T* h, T* c_out, int64_t n, int64_t H) {
  for (int64_t p = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; p < n; p += int64_t{gridDim.x} * blockDim.x) {
    int64_t at = p / H * 4 * H + p % H;  // (b, j) in the (B, 4H) arrays
    LstmForward<T> r = lstm_cell_forward_element(load_gates(gates + at, H), c[p]);
    store_gates(act + at, H, r.act);
    c_out[p] = r.c;
    h[p] = r.h;
  }
}

// dh or dc null: that gradient is zero (the same for every thread, so the branch never diverges).
template <class T>
__global__ void lstm_cell_backward_kernel(const T* act, const T* c, const T* c_out, const T* dh, const T* dc, T* dgates,
                                          T* dc_prev, int64_t n, int64_t H) {
  for (int64_t p = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; p < n; p += int64_t{gridDim.x} * blockDim.x) {
    int64_t at = p / H * 4 * H + p % H;
    LstmBackward<T> r = lstm_cell_backward_element(load_gates(act + at, H), c[p], c_out[p],
                                                   dh != nullptr ? dh[p] : T(0), dc != nullptr ? dc[p] : T(0));
    store_gates(dgates + at, H, r.da);
    dc_prev[p] = r.dc_prev;
  }
}

}  // namespace

void lstm_cell_forward(const Array& gates, const Array& c, const Array& act, const Array& h_out,
                       const Array& c_out) {
  int64_t n = c.numel();
  if (n == 0) return;
  dispatch_float(gates.dtype, "lstm_cell", [&]<class T>() {
    lstm_cell_forward_kernel<T><<<blocks_for(n), kThreads>>>(gates.data<T>(), c.data<T>(), act.data<T>(),
                                                              h_out.data<T>(), c_out.data<T>(), n, c.shape[1]);
    MUSE_LAUNCH_CHECK();
  });
}

void lstm_cell_backward(const Array& act, const Array& c, const Array& c_out, const Array& dh, const Array& dc,
                        const Array& dgates, const Array& dc_prev) {
  int64_t n = c.numel();
  if (n == 0) return;
  dispatch_float(act.dtype, "lstm_cell", [&]<class T>() {
    const T* dhp = dh.defined() ? dh.data<T>() : nullptr;
    const T* dcp = dc.defined() ? dc.data<T>() : nullptr;
    lstm_cell_backward_kernel<T><<<blocks_for(n), kThreads>>>(act.data<T>(), c.data<T>(), c_out.data<T>(), dhp, dcp,
                                                               dgates.data<T>(), dc_prev.data<T>(), n, c.shape[1]);
    MUSE_LAUNCH_CHECK();
  });
}

}  // namespace muse::cuda
