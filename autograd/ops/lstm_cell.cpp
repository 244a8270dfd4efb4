// The LSTM cell's state update from pre-activation gates; see muse/ops.h for the equations.
// For now composed from autograd ops, so it differentiates itself; the fused kernels replace this body.
#include "autograd/checks.h"
#include "muse/ops.h"

namespace muse {

LstmState lstm_cell(const Tensor& gates, const Tensor& c) {
  check_floating("lstm_cell", gates);
  check(gates.dim() == 2 && c.dim() == 2 && gates.size(1) == 4 * c.size(1) && gates.size(0) == c.size(0),
        "lstm_cell: expected gates (B, 4H) and c (B, H), got gates ", gates.shape(), " and c ", c.shape());
  std::vector<Tensor> g = chunk(gates, 4, 1);  // (B, H) each: input, forget, cell, output
  Tensor c_next = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
  return {sigmoid(g[3]) * tanh(c_next), c_next};
}

}  // namespace muse
