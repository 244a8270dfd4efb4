// The fused LSTM cell on the GPU against the CPU: values and gradients of h and c (together, and each
// alone, so one half of d(state) is zero) at awkward batch and hidden sizes, float64, non-contiguous
// gates, the backend's empty-gradient convention, and the device-mismatch error; and lstm_sequence, the
// whole layer's recurrence built on it.
#include <doctest/doctest.h>

#include <cmath>
#include <tuple>

#include "autograd/node.h"
#include "compare.h"
#include "tensor/backend.h"

using namespace muse;
using namespace cudatest;

namespace {

Tensor both(const std::vector<Tensor>& v) {
  LstmState s = lstm_cell(v[0], v[1]);
  return cat({s.h, s.c}, 1);
}

}  // namespace

TEST_CASE("cuda: lstm_cell forward and backward") {
  for (int64_t B : {1, 7, 64}) {
    for (int64_t H : kSizes) {
      std::string label = str("lstm_cell B ", B, " H ", H);
      // Pre-activations of spread 3, so that some gates saturate.
      Tensor gates = random({B, 4 * H}, B * 10000 + H) * 3.0, c = random({B, H}, B + H);
      check_op(label, both, {gates, c}, kElementwise);
      check_op(label + " h only", [](const auto& v) { return lstm_cell(v[0], v[1]).h; }, {gates, c}, kElementwise);
      check_op(label + " c only", [](const auto& v) { return lstm_cell(v[0], v[1]).c; }, {gates, c}, kElementwise);
    }
  }
  check_op("lstm_cell float64", both, {random({7, 4 * 1023}, 1, kFloat64), random({7, 1023}, 2, kFloat64)},
           {1e-12, 1e-14});
  check_op("lstm_cell of transposed gates", [](const auto& v) { return both({v[0].t(), v[1]}); },
           {random({4 * 33, 5}, 3), random({5, 33}, 4)}, kElementwise);
}

// The layer-at-once recurrence: its products sum over H (forward, dh) and over T x B rows (dW_hh), so
// the tolerance is a matmul's; every output (h_1 .. h_T and c_T) and every input's gradient.
TEST_CASE("cuda: lstm_sequence forward and backward") {
  for (auto [T, B, H] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {7, 3, 33}, {16, 7, 256}, {3, 64, 1023}}) {
    std::string label = str("lstm_sequence T ", T, " B ", B, " H ", H);
    Tensor xp = random({T, B, 4 * H}, T * 100 + H) * 2.0, w = random({4 * H, H}, H) * (1.0 / std::sqrt(H));
    Tensor h0 = random({B, H}, B + 1), c0 = random({B, H}, B + 2);
    check_op(label, [](const auto& v) {
      LstmSequence s = lstm_sequence(v[0], v[1], v[2], v[3]);
      return cat({s.h.reshape({-1}), s.c_n.reshape({-1})}, 0);
    }, {xp, w, h0, c0}, kMatmul);
  }
}

TEST_CASE("cuda: lstm_cell_backward with an empty dh or dc") {
  int64_t B = 7, H = 1023;
  Tensor gates = random({B, 4 * H}, 5), c = random({B, H}, 6), dh = random({B, H}, 7), dc = random({B, H}, 8);
  for (bool has_dh : {false, true}) {
    for (bool has_dc : {false, true}) {
      std::vector<Tensor> results;
      for (Device d : {kCPU, kCUDA}) {
        Backend& be = backend(d);
        Array g = array(gates.to(d)), cp = array(c.to(d));
        Array act = Array::empty({B, 4 * H}, kFloat32, d), h1 = Array::empty({B, H}, kFloat32, d);
        Array c1 = Array::empty({B, H}, kFloat32, d), dg = Array::empty({B, 4 * H}, kFloat32, d);
        Array dprev = Array::empty({B, H}, kFloat32, d);
        be.lstm_cell_forward(g, cp, act, h1, c1);
        be.lstm_cell_backward(act, cp, c1, has_dh ? array(dh.to(d)) : Array(), has_dc ? array(dc.to(d)) : Array(), dg,
                              dprev);
        results.push_back(cat({wrap(dg).to(kCPU), wrap(dprev).to(kCPU)}, 1));
      }
      CAPTURE(has_dh);
      CAPTURE(has_dc);
      std::string diff = mismatch(results[1], results[0], kElementwise);
      CHECK_MESSAGE(diff.empty(), diff);
    }
  }
}

TEST_CASE("cuda: lstm_cell with inputs on two devices") {
  CHECK_THROWS_WITH_AS(lstm_cell(zeros({3, 8}).to(kCUDA), zeros({3, 2})),
                       doctest::Contains("lstm_cell: tensors are on different devices"), Error);
}
