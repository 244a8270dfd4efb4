// Finite-difference gradchecks of the fused LSTM cell (the recorded op "lstm_cell"): both outputs, h
// alone and c alone (the other half of d(state) is then zero), batch 1 and 3, hidden 1 and 5, and
// non-contiguous gates and states; and of the layer-at-once recurrence built on it, lstm_sequence.
#include <doctest/doctest.h>

#include "gradcheck_inputs.h"
#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;
using muse::testing::input;
using muse::testing::Inputs;

namespace {

Tensor both(const LstmState& s) { return cat({s.h, s.c}, 1); }

}  // namespace

TEST_CASE("gradcheck lstm_cell") {
  for (int64_t B : {1, 3}) {
    for (int64_t H : {1, 5}) {
      CAPTURE(B);
      CAPTURE(H);
      Tensor gates = input({B, 4 * H}, 10 * B + H), c = input({B, H}, 100 + 10 * B + H);
      CHECK(gradcheck([](const Inputs& v) { return both(lstm_cell(v[0], v[1])); }, {gates, c}));
      CHECK(gradcheck([](const Inputs& v) { return lstm_cell(v[0], v[1]).h; }, {gates, c}));
      CHECK(gradcheck([](const Inputs& v) { return lstm_cell(v[0], v[1]).c; }, {gates, c}));
      // A loss that mixes both outputs, and one with c' used twice (through h' and directly).
      CHECK(gradcheck([](const Inputs& v) { auto s = lstm_cell(v[0], v[1]); return (s.h * s.c).sum(); },
                      {gates, c}));
      // Non-contiguous: gates as the transpose of (4H, B), c as a strided slice.
      Tensor gates_t = input({4 * H, B}, 20 * B + H), c_wide = input({B, 2 * H}, 200 + B + H);
      CHECK(gradcheck([](const Inputs& v) { return both(lstm_cell(v[0].t(), v[1].slice(1, 0, std::nullopt, 2))); },
                      {gates_t, c_wide}));
    }
  }
}

TEST_CASE("gradcheck lstm_cell: gradient to one input only, and two steps") {
  Tensor gates = input({3, 8}, 1), c = input({3, 2}, 2, false);
  CHECK(gradcheck([&](const Inputs& v) { return both(lstm_cell(v[0], c)); }, {gates}));
  Tensor g2 = input({3, 8}, 3, false), c0 = input({3, 2}, 4);
  CHECK(gradcheck([&](const Inputs& v) { return both(lstm_cell(g2, v[0])); }, {c0}));
  // Two chained steps: the second takes the first's c (a view into its stacked state).
  Tensor g1 = input({3, 8}, 5), gb = input({3, 8}, 6);
  CHECK(gradcheck([](const Inputs& v) { return both(lstm_cell(v[1], lstm_cell(v[0], v[2]).c)); }, {g1, gb, c0}));
  // Saturated gates (|a| up to 12), where sigma' and tanh' are tiny.
  Tensor big = (input({2, 12}, 7, false) * 6.0).detach().requires_grad_();
  CHECK(gradcheck([](const Inputs& v) { return both(lstm_cell(v[0], v[1])); }, {big, input({2, 3}, 8)}));
}

// The whole-layer recurrence: every input (xp, W_hh, h0, c0), the outputs h_1 .. h_T and c_T mixed into
// one loss, T of 1 and 4; and only some inputs requiring grad.
TEST_CASE("gradcheck lstm_sequence") {
  for (int64_t T : {1, 4}) {
    CAPTURE(T);
    const int64_t B = 2, H = 3;
    Tensor xp = input({T, B, 4 * H}, 30 + T), w = input({4 * H, H}, 40 + T), h0 = input({B, H}, 50 + T),
           c0 = input({B, H}, 60 + T);
    auto all = [](const Inputs& v) {
      LstmSequence s = lstm_sequence(v[0], v[1], v[2], v[3]);
      return cat({s.h.reshape({-1}), s.c_n.reshape({-1}) * 2.0, s.h_n.reshape({-1})}, 0);
    };
    CHECK(gradcheck(all, {xp, w, h0, c0}));
    CHECK(gradcheck([](const Inputs& v) { return lstm_sequence(v[0], v[1], v[2], v[3]).c_n; }, {xp, w, h0, c0}));
  }
  Tensor xp = input({3, 2, 8}, 70), w = input({8, 2}, 71, false), h0 = input({2, 2}, 72, false),
         c0 = input({2, 2}, 73, false);
  CHECK(gradcheck([&](const Inputs& v) { return lstm_sequence(v[0], w, h0, c0).h; }, {xp}));
  // Non-contiguous xp (a transposed (B, T, 4H)) and W_hh (a transposed (H, 4H)).
  Tensor xp_bt = input({2, 3, 8}, 74), w_t = input({2, 8}, 75);
  CHECK(gradcheck([&](const Inputs& v) { return lstm_sequence(v[0].transpose(0, 1), v[1].t(), h0, c0).h; },
                  {xp_bt, w_t}));
}
