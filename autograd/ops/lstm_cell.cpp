// The LSTM cell's state update from pre-activation gates, one fused kernel each way (per-element math
// and derivatives in tensor/lstm_math.h; equations in muse/ops.h):
//   i, f, o = sigma(a_i, a_f, a_o)   g = tanh(a_g)   c' = f c + i g   h' = o tanh(c')
//   dc~ = dc + dh o (1 - tanh^2 c')  da_o = dh tanh(c') o (1 - o)  da_i = dc~ g i (1 - i)
//   da_f = dc~ c f (1 - f)           da_g = dc~ i (1 - g^2)          dc_prev = dc~ f
// A graph node has one output, so the node's output is the stacked state (2, B, H) = (h', c'), and h'
// and c' are its two select() views: the backward gets both gradients at once in d(state).
#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

void check_lstm_inputs(const Tensor& gates, const Tensor& c) {
  check_defined("lstm_cell", gates);
  check_defined("lstm_cell", c);
  check_floating("lstm_cell", gates);
  check_same_dtype("lstm_cell", gates, c);
  check_same_device("lstm_cell", gates, c);
  check(gates.dim() == 2 && c.dim() == 2, "lstm_cell: expected gates (B, 4H) and c (B, H), got gates of shape ",
        gates.shape(), " and c of shape ", c.shape());
  check(gates.size(1) == 4 * c.size(1), "lstm_cell: gates ", gates.shape(), " need 4H = ", 4 * c.size(1),
        " columns for c ", c.shape(), " (the i, f, g, o blocks of H each)");
  check(gates.size(0) == c.size(0), "lstm_cell: batch mismatch, gates ", gates.shape(), " and c ", c.shape());
}

// Half k (0: h, 1: c) of a contiguous (2, B, H) state, as a contiguous (B, H) array.
Array half(const Array& state, int64_t k) {
  return state.slice(0, k, 1, 1).view({state.shape[1], state.shape[2]});
}

}  // namespace

LstmState lstm_cell(const Tensor& gates, const Tensor& c) {
  check_lstm_inputs(gates, c);
  int64_t B = c.size(0), H = c.size(1);
  Array ga = contiguous_array(gates), ca = contiguous_array(c);
  Array act = Array::empty(gates.shape(), gates.dtype(), gates.device());  // (B, 4H)
  Array state = Array::empty({2, B, H}, c.dtype(), c.device());           // (h', c')
  backend_of(gates).lstm_cell_forward(ga, ca, act, half(state, 0), half(state, 1));
  // The closure keeps raw arrays (data, never the output Tensor): act, c and c' for the backward.
  Tensor out = record("lstm_cell", wrap(state), {gates, c}, [act, ca, state](const Tensor& dstate) -> Gradients {
    Array d = contiguous_array(dstate);  // (2, B, H)
    Array dgates = Array::empty(act.shape, act.dtype, act.device());
    Array dc_prev = Array::empty(ca.shape, ca.dtype, ca.device());
    backend(act.device()).lstm_cell_backward(act, ca, half(state, 1), half(d, 0), half(d, 1), dgates, dc_prev);
    return {wrap(std::move(dgates)), wrap(std::move(dc_prev))};
  });
  return {out.select(0, 0), out.select(0, 1)};
}

}  // namespace muse
