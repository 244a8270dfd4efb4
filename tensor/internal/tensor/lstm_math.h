// The per-element math of the fused LSTM cell, shared by the CPU kernel and the CUDA one. Element j of
// row b reads the four pre-activations a_i, a_f, a_g, a_o at columns j, H + j, 2H + j, 3H + j of the
// gates (B, 4H) (PyTorch's order: input, forget, cell, output) and c_prev = c[b, j].
// Reference: Hochreiter & Schmidhuber (1997) with the forget gate of Gers et al. (2000), as
// torch.nn.LSTMCell computes it.
#pragma once

#include <cstdint>

#include "tensor/elementwise_math.h"
#include "tensor/hd.h"

namespace muse {

// One value per gate: pre-activations a_*, activated gates, or gradients, by context.
template <class T>
struct LstmGates {
  T i, f, g, o;
};

// The gates of column j in a (B, 4H) row: p points at the row's column j, the blocks are H apart.
template <class T>
MUSE_EW_FN LstmGates<T> load_gates(const T* p, int64_t H) {
  return {p[0], p[H], p[2 * H], p[3 * H]};
}
template <class T>
MUSE_EW_FN void store_gates(T* p, int64_t H, LstmGates<T> v) {
  p[0] = v.i;
  p[H] = v.f;
  p[2 * H] = v.g;
  p[3 * H] = v.o;
}

template <class T>
struct LstmForward {
  LstmGates<T> act;  // the activated gates, kept for the backward
  T c, h;            // c', h'
};

// Forward, with sigma the logistic function:
//   i = sigma(a_i)   f = sigma(a_f)   g = tanh(a_g)   o = sigma(a_o)
//   c' = f * c_prev + i * g
//   h' = o * tanh(c')
// sigma and tanh are the elementwise kernels' own (ew::), so the fused cell rounds like the composite.
template <class T>
MUSE_EW_FN LstmForward<T> lstm_cell_forward_element(LstmGates<T> a, T c_prev) {
  LstmForward<T> r;
  r.act = {ew::sigmoid(a.i), ew::sigmoid(a.f), ew::tanh(a.g), ew::sigmoid(a.o)};
  r.c = r.act.f * c_prev + r.act.i * r.act.g;
  r.h = r.act.o * ew::tanh(r.c);
  return r;
}

template <class T>
struct LstmBackward {
  LstmGates<T> da;  // gradients of the pre-activations a_i, a_f, a_g, a_o
  T dc_prev;
};

// Backward from the activated gates, c_prev, c' and the gradients dh of h' and dc of c' (zero for an
// output that got none). With t = tanh(c') recomputed from c', and using sigma' = sigma (1 - sigma),
// tanh' = 1 - tanh^2:
//   dc~  = dc + dh * o * (1 - t^2)         (all paths into c': directly, and through h')
//   da_o = dh * t * o (1 - o)
//   da_i = dc~ * g * i (1 - i)
//   da_f = dc~ * c_prev * f (1 - f)
//   da_g = dc~ * i * (1 - g^2)
//   dc_prev = dc~ * f
template <class T>
MUSE_EW_FN LstmBackward<T> lstm_cell_backward_element(LstmGates<T> act, T c_prev, T c_next, T dh, T dc) {
  T t = ew::tanh(c_next);
  T dc_total = dc + dh * act.o * (T(1) - t * t);
  LstmBackward<T> r;
  r.da.o = dh * t * act.o * (T(1) - act.o);
  r.da.i = dc_total * act.g * act.i * (T(1) - act.i);
  r.da.f = dc_total * c_prev * act.f * (T(1) - act.f);
  r.da.g = dc_total * act.i * (T(1) - act.g * act.g);
  r.dc_prev = dc_total * act.f;
  return r;
}

}  // namespace muse
