// GRUCell and GRU; the equations are in muse/nn/rnn.h.
#include "muse/nn/rnn.h"
#include "rnn_internal.h"

namespace muse::nn {
namespace {

// One GRU step from the two projections xp = W_i x + b_i and hp = W_h h + b_h, each (B, 3H) in the order
// (r, z, n); b_hn stays inside r * (W_hn h + b_hn) as PyTorch computes it.
//   r = sigma(xp_r + hp_r)   z = sigma(xp_z + hp_z)   n = tanh(xp_n + r hp_n)   h' = n + z (h - n)
Tensor gru_step(const Tensor& xp, const Tensor& hp, const Tensor& h) {
  int64_t B = h.size(0), H = h.size(1);
  std::vector<Tensor> x = unbind(xp.reshape({B, 3, H}), 1), g = unbind(hp.reshape({B, 3, H}), 1);
  Tensor r = sigmoid(x[0] + g[0]), z = sigmoid(x[1] + g[1]);
  Tensor n = tanh(x[2] + r * g[2]);
  return n + z * (h - n);
}

}  // namespace

GRUCell::GRUCell(int64_t input, int64_t hidden, bool bias, Generator& gen)
    : Module("GRUCell"), input_size(input), hidden_size(hidden) {
  check(input > 0 && hidden > 0, "GRUCell: input_size and hidden_size must be positive, got ", input, " and ", hidden);
  weight_ih = register_parameter("weight_ih", empty({3 * hidden, input}));
  weight_hh = register_parameter("weight_hh", empty({3 * hidden, hidden}));
  if (bias) {
    bias_ih = register_parameter("bias_ih", empty({3 * hidden}));
    bias_hh = register_parameter("bias_hh", empty({3 * hidden}));
  }
  detail::init_recurrent(parameters(), hidden, gen);
}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) {
  Tensor xb = detail::cell_input(label(), x, input_size, weight_ih.dtype());  // (B, I)
  Tensor hb = detail::cell_state(label(), "h", h, x, xb.size(0), hidden_size);  // (B, H)
  Tensor next = gru_step(linear(xb, weight_ih, bias_ih), linear(hb, weight_hh, bias_hh), hb);
  return x.dim() == 1 ? next.squeeze(0) : next;
}

std::string GRUCell::extra_repr() const {
  return str(input_size, ", ", hidden_size, bias_ih.defined() ? "" : ", bias=False");
}

GRU::GRU(int64_t input, int64_t hidden, RNNOptions options, Generator& gen)
    : RNNBase("GRU", 3, input, hidden, options, gen) {}

// Per layer: xp (T, B, 3H) = x W_ih^T + b_ih for all steps in one product; per step hp = h W_hh^T + b_hh
// and h = gru_step(xp[t], hp, h). Padding steps (mask false) keep h and output 0.
GRUOutput GRU::forward(const Tensor& x, const Tensor& h0, const Tensor& lengths) {
  Steps s = prepare(x, lengths);
  std::vector<Tensor> h_init = initial_state(h0, "h0", s);
  Tensor input = s.x, output;  // (T, B, I)
  std::vector<Tensor> h_n;
  for (int64_t k = 0; k < options.num_layers; ++k) {
    const Layer& w = layers_[k];
    std::vector<Tensor> xp = unbind(linear(input, w.weight_ih, w.bias_ih));  // T of (B, 3H)
    Tensor h = h_init[k];                                                    // (B, H)
    std::vector<Tensor> out;
    for (int64_t t = 0; t < s.T; ++t) {
      Tensor next = gru_step(xp[t], linear(h, w.weight_hh, w.bias_hh), h);
      if (s.mask.empty()) {
        h = next;
        out.push_back(h);
      } else {
        out.push_back(where(s.mask[t], next, 0.0));
        h = where(s.mask[t], next, h);
      }
    }
    h_n.push_back(h);
    Tensor y = stack(out, 0);  // (T, B, H)
    if (k + 1 < options.num_layers) input = layer_output(y, k);
    else output = sequence_output(y);
  }
  return {output, stack(h_n)};
}

}  // namespace muse::nn
