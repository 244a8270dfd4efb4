// Recurrent layers, as torch.nn.LSTMCell, LSTM, GRUCell and GRU: the same equations, parameter names,
// initialisation, shapes and options, so their state_dicts load PyTorch's. With sigma the logistic
// function and W x meaning x W^T (H hidden units; the gates stacked in PyTorch's order):
//   LSTM (Hochreiter & Schmidhuber 1997), gates (i, f, g, o), see muse::lstm_cell:
//     i, f, o = sigma(W_i* x + b_i* + W_h* h + b_h*)   g = tanh(...)   c' = f c + i g   h' = o tanh(c')
//   GRU (Cho et al. 2014), gates (r, z, n):
//     r = sigma(W_ir x + b_ir + W_hr h + b_hr)   z = sigma(W_iz x + b_iz + W_hz h + b_hz)
//     n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   h' = (1 - z) n + z h
// Every parameter starts as U(-1/sqrt(H), 1/sqrt(H)), drawn from gen in registration order.
// The multi-layer modules project the input of every time step in one matrix product per layer, then
// run the recurrence step by step; layer k > 0 reads layer k - 1's outputs (with dropout while training).
// Reference: https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html (and GRU, LSTMCell, GRUCell).
#pragma once

#include <string>
#include <vector>

#include "muse/nn/module.h"
#include "muse/ops.h"

namespace muse::nn {

struct RNNOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;  // input and output (B, T, ...) instead of (T, B, ...); never the states
  double dropout = 0;        // on the outputs of every layer but the last, while training
};

// x (B, I) or unbatched (I,); state h, c of the same batch shape with H features, zeros when undefined.
class LSTMCell : public Module {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, bool bias = true, Generator& gen = default_generator());
  LstmState forward(const Tensor& x, const LstmState& state = {});
  std::string extra_repr() const override;

  const int64_t input_size, hidden_size;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;  // (4H, I), (4H, H), (4H,), (4H,); no biases without bias
};

// x (B, I) or (I,); h (B, H) or (H,), zeros when undefined. Returns h'.
class GRUCell : public Module {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, bool bias = true, Generator& gen = default_generator());
  Tensor forward(const Tensor& x, const Tensor& h = {});
  std::string extra_repr() const override;

  const int64_t input_size, hidden_size;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;  // (3H, I), (3H, H), (3H,), (3H,)
};

// What LSTM and GRU share (PyTorch's RNNBase): the per-layer parameters weight_ih_l{k} (G H, I or H),
// weight_hh_l{k} (G H, H), bias_ih_l{k} and bias_hh_l{k} (G H,) with G = 4 or 3 gates; input checks;
// lengths; dropout; printing ("LSTM(256, 512, num_layers=2, batch_first=True)").
class RNNBase : public Module {
 public:
  std::string extra_repr() const override;

  const int64_t input_size, hidden_size;
  const RNNOptions options;

 protected:
  struct Layer {
    Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  };
  // Time-major input steps: x as (T, B, I), the step masks, and the sizes.
  struct Steps {
    Tensor x;                  // (T, B, I)
    std::vector<Tensor> mask;  // per step a (B, 1) bool, true where the step is real; empty: all are
    int64_t T, B;
  };

  RNNBase(std::string name, int64_t gates, int64_t input_size, int64_t hidden_size, RNNOptions options,
          Generator& gen);
  Steps prepare(const Tensor& x, const Tensor& lengths) const;
  // An initial state (L, B, H) checked, or zeros of that shape when undefined; its layers.
  std::vector<Tensor> initial_state(const Tensor& state, const char* what, const Steps& steps) const;
  // The outputs of layer k's steps, y (T, B, H), as the next layer's input (dropout between layers).
  Tensor layer_output(const Tensor& y, int64_t k);
  // The last layer's outputs y (T, B, H) in the caller's layout (time-major or batch-first).
  Tensor sequence_output(const Tensor& y) const;

  std::vector<Layer> layers_;

 private:
  Generator* gen_;
};

struct LSTMOutput {
  Tensor output;  // (B, T, H) with batch_first, else (T, B, H)
  Tensor h;       // (L, B, H)
  Tensor c;       // (L, B, H)
};

// x (T, B, I), or (B, T, I) with batch_first. state: initial (h0, c0), each (L, B, H), zeros when
// undefined. lengths: int64 (B,) on the CPU, each in [1, T] (any order), or undefined = all T. Steps
// t >= lengths[b] change neither b's state nor its output (0 there), so h, c are each sequence's state
// after its last real step, as with torch.nn.utils.rnn.pack_padded_sequence.
class LSTM : public RNNBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, RNNOptions options = {}, Generator& gen = default_generator());
  LSTMOutput forward(const Tensor& x, const LstmState& state = {}, const Tensor& lengths = {});
};

struct GRUOutput {
  Tensor output;  // (B, T, H) with batch_first, else (T, B, H)
  Tensor h;       // (L, B, H)
};

// As LSTM, with one state h0 (L, B, H).
class GRU : public RNNBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, RNNOptions options = {}, Generator& gen = default_generator());
  GRUOutput forward(const Tensor& x, const Tensor& h0 = {}, const Tensor& lengths = {});
};

}  // namespace muse::nn
