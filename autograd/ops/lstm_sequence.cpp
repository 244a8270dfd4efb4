// One LSTM layer's recurrence over all T steps as one graph node, the layer-at-once form of cuDNN's
// RNNs. With xp_t the input projection of step t (x_t W_ih^T + b_ih + b_hh, one GEMM for the whole
// sequence, made by the caller):
//   gates_t = xp_t + h_{t-1} W_hh^T   (B, 4H)        (h_t, c_t) = lstm_cell(gates_t, c_{t-1})   t = 1..T
// Backward, from t = T down to 1, where dh_t is what reaches h_t from the layer's output plus what
// step t+1 sends back:
//   dgates_t, dc_{t-1} = lstm_cell's backward at (dh_t, dc_t)        dh_{t-1} = dy_{t-1} + dgates_t W_hh
// then, once over all T x B rows: dW_hh = sum_t dgates_t^T h_{t-1}, and dxp = the stacked dgates.
// Built step by step from lstm_cell and linear, the same layer is 2T graph nodes, and W_hh's gradient
// is T products of B rows each, every one added into a 4H x H buffer; here it is one product.
#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse {
namespace {

void check_sequence_inputs(const Tensor& xp, const Tensor& w_hh, const Tensor& h0, const Tensor& c0) {
  constexpr const char* kOp = "lstm_sequence";
  for (const Tensor* t : {&xp, &w_hh, &h0, &c0}) check_defined(kOp, *t);
  check_floating(kOp, xp);
  for (const Tensor* t : {&w_hh, &h0, &c0}) check_same_dtype(kOp, xp, *t), check_same_device(kOp, xp, *t);
  check(xp.dim() == 3 && w_hh.dim() == 2 && h0.dim() == 2 && c0.dim() == 2, kOp,
        ": expected xp (T, B, 4H), w_hh (4H, H), h0 and c0 (B, H), got xp ", xp.shape(), ", w_hh ", w_hh.shape(),
        ", h0 ", h0.shape(), " and c0 ", c0.shape());
  const int64_t T = xp.size(0), B = xp.size(1), H = w_hh.size(1);
  check(T >= 1 && w_hh.size(0) == 4 * H && xp.size(2) == 4 * H, kOp, ": xp ", xp.shape(), " and w_hh ",
        w_hh.shape(), " need T >= 1 steps and 4H = ", 4 * H, " gate columns (the i, f, g, o blocks of H each)");
  check(h0.shape() == Shape{B, H} && c0.shape() == Shape{B, H}, kOp, ": h0 ", h0.shape(), " and c0 ", c0.shape(),
        " must be (B, H) = ", Shape{B, H});
}

// Row t of a contiguous (N, ...) array, as a contiguous array of the remaining dims.
Array row(const Array& a, int64_t t) {
  Shape rest = a.shape;
  rest.erase(0);
  return a.slice(0, t, 1, 1).view(rest);
}

// A contiguous matrix as the batch of one that Backend::matmul takes; an undefined array stays so.
Array one(const Array& m) { return m.defined() ? m.view({1, m.shape[0], m.shape[1]}) : m; }

// c = op(a) @ op(b) (+ add), for matrices.
void matmul2(Backend& be, const Array& a, bool ta, const Array& b, bool tb, const Array& c, const Array& add = Array()) {
  be.matmul(one(a), ta, one(b), tb, one(c), one(add));
}

}  // namespace

LstmSequence lstm_sequence(const Tensor& xp, const Tensor& w_hh, const Tensor& h0, const Tensor& c0) {
  check_sequence_inputs(xp, w_hh, h0, c0);
  const int64_t T = xp.size(0), B = xp.size(1), H = w_hh.size(1);
  const DType dt = xp.dtype();
  const Device dev = xp.device();
  Backend& be = backend_of(xp);
  bool grad = false;
  for (const Tensor* t : {&xp, &w_hh, &h0, &c0}) grad = grad || t->requires_grad();
  grad = grad && GradMode::is_enabled();
  // Without a backward, one act buffer and two cell states (alternating) are enough.
  Array x = contiguous_array(xp), w = contiguous_array(w_hh);
  Array hs = Array::empty({T + 2, B, H}, dt, dev);                  // h_0, h_1 .. h_T, then c_T
  Array cs = Array::empty({grad ? T + 1 : 2, B, H}, dt, dev);       // c_0 .. c_T
  Array acts = Array::empty({grad ? T : 1, B, 4 * H}, dt, dev);     // each step's activated gates
  Array gates = Array::empty({B, 4 * H}, dt, dev);
  be.copy(contiguous_array(h0), row(hs, 0));
  be.copy(contiguous_array(c0), row(cs, 0));
  auto c_at = [&](int64_t t) { return row(cs, grad ? t : t % 2); };
  for (int64_t t = 1; t <= T; ++t) {
    matmul2(be, row(hs, t - 1), false, w, true, gates, row(x, t - 1));  // xp_t + h_{t-1} W_hh^T
    be.lstm_cell_forward(gates, c_at(t - 1), row(acts, grad ? t - 1 : 0), row(hs, t), c_at(t));
  }
  be.copy(c_at(T), row(hs, T + 1));
  // The node's one output is (T + 1, B, H): h_1 .. h_T and c_T. The closure keeps arrays, not it.
  Tensor out = record("lstm_sequence", wrap(hs.slice(0, 1, T + 1, 1)), {xp, w_hh, h0, c0},
                      [hs, cs, acts, w, T, B, H](const Tensor& dy) -> Gradients {
    Array d = contiguous_array(dy);  // rows 0 .. T-1: the gradients of h_1 .. h_T; row T: of c_T
    Backend& be = backend(hs.device());
    const DType dt = hs.dtype;
    const Device dev = hs.device();
    Array dgates = Array::empty({T, B, 4 * H}, dt, dev);  // every step's, which is also dxp
    Array wt = Array::empty({H, 4 * H}, dt, dev);  // W_hh^T: dgates_t W_hh = dgates_t (W_hh^T)^T reads
    be.copy(w.permute({1, 0}), wt);                // a transposed operand, which the CPU multiplies unpacked
    Array dh[2] = {Array::empty({B, H}, dt, dev), Array::empty({B, H}, dt, dev)};
    Array dc[2] = {Array::empty({B, H}, dt, dev), Array::empty({B, H}, dt, dev)};
    Array dh_t = row(d, T - 1), dc_t = row(d, T);
    for (int64_t t = T; t >= 1; --t) {
      Array dg = row(dgates, t - 1);
      be.lstm_cell_backward(row(acts, t - 1), row(cs, t - 1), row(cs, t), dh_t, dc_t, dg, dc[t % 2]);
      // dh_{t-1} = dy_{t-1} + dgates_t W_hh (h_0 gets no gradient from the output)
      matmul2(be, dg, false, wt, true, dh[t % 2], t >= 2 ? row(d, t - 2) : Array());
      dh_t = dh[t % 2], dc_t = dc[t % 2];
    }
    Array dw = Array::empty({4 * H, H}, dt, dev);
    matmul2(be, dgates.view({T * B, 4 * H}), true, hs.slice(0, 0, T, 1).view({T * B, H}), false, dw);
    return {wrap(dgates), wrap(dw), wrap(dh_t), wrap(dc_t)};
  });
  Tensor h = out.narrow(0, 0, T);  // (T, B, H)
  return {h, h.select(0, T - 1), out.select(0, T)};
}

}  // namespace muse
