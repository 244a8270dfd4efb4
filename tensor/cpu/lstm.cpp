// The fused LSTM cell: every position (b, j) of the (B, H) state runs lstm_cell_forward_element or
// lstm_cell_backward_element (tensor/lstm_math.h), the functions the CUDA kernel runs. Positions are
// independent, so threads split the B * H positions into ranges; a range is walked as pieces of rows,
// where the loop over j reads each gate's column block as one contiguous stream and GCC vectorises it.
#include <algorithm>

#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/lstm_math.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

// A position costs five sigmoids and tanhs and reads or writes ten numbers: split at an eighth of the
// plain elementwise grain.
constexpr int64_t kLstmGrain = kGrain / 8;

// Calls f(b, j0, j1) for the row pieces that make up positions [begin, end) of a (B, H) grid.
template <class F>
void for_row_pieces(int64_t begin, int64_t end, int64_t H, F&& f) {
  while (begin < end) {
    int64_t b = begin / H, j0 = begin % H, j1 = std::min(H, j0 + (end - begin));
    f(b, j0, j1);
    begin += j1 - j0;
  }
}

// One row piece: a and act point at row b of the (B, 4H) arrays, the others at row b of (B, H) ones.
template <class T>
void forward_piece(const T* __restrict a, const T* __restrict c, T* __restrict act, T* __restrict h,
                   T* __restrict c_out, int64_t H, int64_t j0, int64_t j1) {
  for (int64_t j = j0; j < j1; ++j) {
    LstmForward<T> r = lstm_cell_forward_element(load_gates(a + j, H), c[j]);
    store_gates(act + j, H, r.act);
    c_out[j] = r.c;
    h[j] = r.h;
  }
}

// kDh / kDc: whether dh / dc exist (a missing one is zero), fixed at compile time so the loop has
// no branch.
template <class T, bool kDh, bool kDc>
void backward_piece(const T* __restrict act, const T* __restrict c, const T* __restrict c_out,
                    const T* __restrict dh, const T* __restrict dc, T* __restrict dg, T* __restrict dc_prev,
                    int64_t H, int64_t j0, int64_t j1) {
  for (int64_t j = j0; j < j1; ++j) {
    LstmBackward<T> r =
        lstm_cell_backward_element(load_gates(act + j, H), c[j], c_out[j], kDh ? dh[j] : T(0), kDc ? dc[j] : T(0));
    store_gates(dg + j, H, r.da);
    dc_prev[j] = r.dc_prev;
  }
}

}  // namespace

void lstm_cell_forward(const Array& gates, const Array& c, const Array& act, const Array& h_out,
                       const Array& c_out) {
  int64_t H = c.shape[1];
  dispatch_float(gates.dtype, "lstm_cell", [&]<class T>() {
    const T* a = gates.data<T>();
    const T* cp = c.data<T>();
    T *ap = act.data<T>(), *hp = h_out.data<T>(), *cn = c_out.data<T>();
    parallel::parallel_for(c.numel(), kLstmGrain, [&](int64_t begin, int64_t end) {
      for_row_pieces(begin, end, H, [&](int64_t b, int64_t j0, int64_t j1) {
        forward_piece(a + b * 4 * H, cp + b * H, ap + b * 4 * H, hp + b * H, cn + b * H, H, j0, j1);
      });
    });
  });
}

void lstm_cell_backward(const Array& act, const Array& c, const Array& c_out, const Array& dh, const Array& dc,
                        const Array& dgates, const Array& dc_prev) {
  int64_t H = c.shape[1];
  dispatch_float(act.dtype, "lstm_cell", [&]<class T>() {
    const T *ap = act.data<T>(), *cp = c.data<T>(), *cn = c_out.data<T>();
    const T* dhp = dh.defined() ? dh.data<T>() : nullptr;
    const T* dcp = dc.defined() ? dc.data<T>() : nullptr;
    T *dg = dgates.data<T>(), *dprev = dc_prev.data<T>();
    auto run = [&]<bool kDh, bool kDc>() {
      parallel::parallel_for(c.numel(), kLstmGrain, [&](int64_t begin, int64_t end) {
        for_row_pieces(begin, end, H, [&](int64_t b, int64_t j0, int64_t j1) {
          int64_t r = b * H, r4 = b * 4 * H;
          backward_piece<T, kDh, kDc>(ap + r4, cp + r, cn + r, kDh ? dhp + r : nullptr, kDc ? dcp + r : nullptr,
                                      dg + r4, dprev + r, H, j0, j1);
        });
      });
    };
    if (dhp && dcp) run.template operator()<true, true>();
    else if (dhp) run.template operator()<true, false>();
    else if (dcp) run.template operator()<false, true>();
    else run.template operator()<false, false>();
  });
}

}  // namespace muse::cpu
