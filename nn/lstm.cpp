// LSTMCell and LSTM; the equations are in muse/nn/rnn.h, the cell update is muse::lstm_cell.
#include "muse/nn/rnn.h"
#include "rnn_internal.h"

namespace muse::nn {

LSTMCell::LSTMCell(int64_t input, int64_t hidden, bool bias, Generator& gen)
    : Module("LSTMCell"), input_size(input), hidden_size(hidden) {
  check(input > 0 && hidden > 0, "LSTMCell: input_size and hidden_size must be positive, got ", input, " and ", hidden);
  weight_ih = register_parameter("weight_ih", empty({4 * hidden, input}));
  weight_hh = register_parameter("weight_hh", empty({4 * hidden, hidden}));
  if (bias) {
    bias_ih = register_parameter("bias_ih", empty({4 * hidden}));
    bias_hh = register_parameter("bias_hh", empty({4 * hidden}));
  }
  detail::init_recurrent(parameters(), hidden, gen);
}

// gates (B, 4H) = x W_ih^T + b_ih + h W_hh^T + b_hh, then lstm_cell(gates, c). Each GEMM adds its bias
// as it stores: xp = x W_ih^T + (b_ih + b_hh), then gates = h W_hh^T + xp.
LstmState LSTMCell::forward(const Tensor& x, const LstmState& state) {
  Tensor xb = detail::cell_input(label(), x, input_size, weight_ih.dtype());  // (B, I)
  check(state.h.defined() == state.c.defined(), label(), ": pass both h and c of the state, or neither");
  int64_t B = xb.size(0);
  Tensor h = detail::cell_state(label(), "h", state.h, x, B, hidden_size);  // (B, H)
  Tensor c = detail::cell_state(label(), "c", state.c, x, B, hidden_size);
  Tensor xp = linear(xb, weight_ih, bias_ih.defined() ? bias_ih + bias_hh : Tensor());  // (B, 4H)
  LstmState next = lstm_cell(linear(h, weight_hh, xp), c);
  if (x.dim() == 1) return {next.h.squeeze(0), next.c.squeeze(0)};
  return next;
}

std::string LSTMCell::extra_repr() const {
  return str(input_size, ", ", hidden_size, bias_ih.defined() ? "" : ", bias=False");
}

LSTM::LSTM(int64_t input, int64_t hidden, RNNOptions options, Generator& gen)
    : RNNBase("LSTM", 4, input, hidden, options, gen) {}

// Per layer: the input projection of all T steps in one product, xp (T, B, 4H) = x W_ih^T + (b_ih + b_hh);
// then per step gates = h W_hh^T + xp[t] (one GEMM, adding xp[t] as it stores) and (h, c) =
// lstm_cell(gates, c): the whole recurrence in lstm_sequence. With lengths, where a step is padding
// (mask false) the state is kept and the output is 0, step by step.
LSTMOutput LSTM::forward(const Tensor& x, const LstmState& state, const Tensor& lengths) {
  Steps s = prepare(x, lengths);
  check(state.h.defined() == state.c.defined(), label(), ": pass both h0 and c0 of the state, or neither");
  std::vector<Tensor> h0 = initial_state(state.h, "h0", s), c0 = initial_state(state.c, "c0", s);
  Tensor input = s.x, output;  // (T, B, I)
  std::vector<Tensor> h_n, c_n;
  for (int64_t k = 0; k < options.num_layers; ++k) {
    const Layer& w = layers_[k];
    Tensor bias = options.bias ? w.bias_ih + w.bias_hh : Tensor();
    if (s.mask.empty()) {
      LstmSequence seq = lstm_sequence(linear(input, w.weight_ih, bias), w.weight_hh, h0[k], c0[k]);
      h_n.push_back(seq.h_n);
      c_n.push_back(seq.c_n);
      if (k + 1 < options.num_layers) input = layer_output(seq.h, k);
      else output = sequence_output(seq.h);
      continue;
    }
    std::vector<Tensor> xp = unbind(linear(input, w.weight_ih, bias));  // T of (B, 4H)
    Tensor h = h0[k], c = c0[k];                                        // (B, H)
    std::vector<Tensor> out;
    for (int64_t t = 0; t < s.T; ++t) {
      LstmState next = lstm_cell(linear(h, w.weight_hh, xp[t]), c);
      const Tensor& real = s.mask[t];  // (B, 1)
      out.push_back(where(real, next.h, 0.0));
      h = where(real, next.h, h), c = where(real, next.c, c);
    }
    h_n.push_back(h);
    c_n.push_back(c);
    Tensor y = stack(out, 0);  // (T, B, H)
    if (k + 1 < options.num_layers) input = layer_output(y, k);
    else output = sequence_output(y);
  }
  return {output, stack(h_n), stack(c_n)};
}

}  // namespace muse::nn
