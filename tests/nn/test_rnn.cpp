// LSTM, GRU, LSTMCell and GRUCell: outputs, final states and every gradient against PyTorch 1.13
// (rnn_reference.h, made by make_rnn_reference.py; weights loaded under PyTorch's state_dict keys) in
// float64 and float32, variable lengths against pack_padded_sequence, float64 gradchecks over inputs
// and parameters, initialisation, dropout, printing and every error message.
#include <doctest/doctest.h>

#include <cmath>

#include "muse/gradcheck.h"
#include "muse/nn/init.h"
#include "muse/nn/layers.h"
#include "rnn_case.h"

using namespace muse;
using namespace muse::nn;
using doctest::Contains;
namespace ref = rnn_reference;
using rnn_case::input;

namespace {

const DType kDtypes[] = {kFloat64, kFloat32};
double tolerance(DType dtype) { return dtype == kFloat64 ? 1e-10 : 2e-5; }

void check_lstm(const ref::Case& c, RNNOptions options, bool with_state, bool with_lengths, const Tensor& lengths) {
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    LSTM lstm(3, 4, options);
    rnn_case::load(lstm, c, dtype);
    Tensor x = input(c, "x", dtype), h0, c0;
    if (with_state) h0 = input(c, "h0", dtype), c0 = input(c, "c0", dtype);
    LSTMOutput y = lstm.forward(x, {h0, c0}, with_lengths ? lengths : Tensor());
    rnn_case::check(c, &lstm, {{"x", x}, {"h0", h0}, {"c0", c0}}, {{"output", y.output}, {"h", y.h}, {"c", y.c}},
                    tolerance(dtype));
  }
}

void check_gru(const ref::Case& c, RNNOptions options, const Tensor& lengths) {
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    GRU gru(3, 4, options);
    rnn_case::load(gru, c, dtype);
    Tensor x = input(c, "x", dtype), h0 = input(c, "h0", dtype);
    GRUOutput y = gru.forward(x, h0, lengths);
    rnn_case::check(c, &gru, {{"x", x}, {"h0", h0}}, {{"output", y.output}, {"h", y.h}}, tolerance(dtype));
  }
}

Tensor lengths(std::initializer_list<Number> v) { return tensor(v, {.dtype = kInt64}); }

std::vector<std::string> names(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, t] : m.state_dict()) out.push_back(name);
  return out;
}

}  // namespace

TEST_CASE("LSTM (2 layers, batch_first, initial state) matches PyTorch") {
  check_lstm(ref::lstm, {.num_layers = 2, .batch_first = true}, true, false, {});
}

TEST_CASE("LSTM with lengths 5, 2, 4 matches PyTorch's pack_padded_sequence") {
  check_lstm(ref::lstm_lengths, {.num_layers = 2}, false, true, lengths({5, 2, 4}));
}

TEST_CASE("GRU (2 layers, initial state) matches PyTorch, with and without lengths") {
  check_gru(ref::gru, {.num_layers = 2}, {});
  check_gru(ref::gru_lengths, {.num_layers = 2, .batch_first = true}, lengths({3, 4}));
}

TEST_CASE("LSTMCell and GRUCell match PyTorch; unbatched inputs give the batched rows") {
  for (DType dtype : kDtypes) {
    CAPTURE(dtype);
    LSTMCell lstm(3, 4);
    rnn_case::load(lstm, ref::lstm_cell, dtype);
    Tensor x = input(ref::lstm_cell, "x", dtype), h0 = input(ref::lstm_cell, "h0", dtype);
    Tensor c0 = input(ref::lstm_cell, "c0", dtype);
    LstmState s = lstm.forward(x, {h0, c0});
    rnn_case::check(ref::lstm_cell, &lstm, {{"x", x}, {"h0", h0}, {"c0", c0}}, {{"h", s.h}, {"c", s.c}}, tolerance(dtype));
    LstmState one = lstm.forward(x[1].detach(), {h0[1].detach(), c0[1].detach()});
    CHECK(one.h.shape() == Shape{4});
    CHECK(allclose(one.h, s.h[1].detach()));
    CHECK(allclose(one.c, s.c[1].detach()));

    GRUCell gru(3, 4);
    rnn_case::load(gru, ref::gru_cell, dtype);
    x = input(ref::gru_cell, "x", dtype), h0 = input(ref::gru_cell, "h0", dtype);
    Tensor h = gru.forward(x, h0);
    rnn_case::check(ref::gru_cell, &gru, {{"x", x}, {"h0", h0}}, {{"h", h}}, tolerance(dtype));
    CHECK(allclose(gru.forward(x[2].detach(), h0[2].detach()), h[2].detach()));
  }
}

TEST_CASE("recurrent layers: a zero initial state equals an undefined one; padded steps output 0") {
  LSTM lstm(3, 4, {.num_layers = 2});
  Tensor x = randn({4, 2, 3});
  LSTMOutput a = lstm.forward(x), b = lstm.forward(x, {zeros({2, 2, 4}), zeros({2, 2, 4})});
  CHECK(allclose(a.output, b.output));
  CHECK(allclose(a.c, b.c));
  LSTMOutput p = lstm.forward(x, {}, lengths({2, 4}));
  CHECK(equal(p.output.slice(0, 2).select(1, 0), zeros({2, 4})));
  CHECK(allclose(p.output.select(1, 1), a.output.select(1, 1)));  // the full-length sequence is unchanged
  // Lengths all equal to T change nothing.
  CHECK(allclose(lstm.forward(x, {}, lengths({4, 4})).h, a.h));
  GRU gru(3, 4, {.batch_first = true});
  GRUOutput g = gru.forward(randn({2, 4, 3}), {}, lengths({1, 3}));
  CHECK(allclose(g.h[0][0], g.output[0][0]));  // h_n is the state after the last real step
  CHECK(allclose(g.h[0][1], g.output[1][2]));
}

TEST_CASE("gradcheck LSTM, GRU and the cells over inputs and parameters (float64)") {
  using V = std::vector<Tensor>;
  auto leaf = [](const Shape& s, uint64_t seed) {
    Generator g(seed);
    return randn(s, {.dtype = kFloat64, .requires_grad = true}, g);
  };
  auto with_params = [](V inputs, const Module& m) {
    for (const Tensor& p : m.parameters()) inputs.push_back(p);
    return inputs;
  };
  LSTM lstm(2, 3, {.num_layers = 2, .batch_first = true});
  lstm.to(kFloat64);
  Tensor len = lengths({3, 2});
  CHECK(gradcheck([&](const V& v) {
    LSTMOutput y = lstm.forward(v[0], {v[1], v[2]}, len);
    return cat({y.output.flatten(), y.h.flatten(), y.c.flatten()});
  }, with_params({leaf({2, 3, 2}, 1), leaf({2, 2, 3}, 2), leaf({2, 2, 3}, 3)}, lstm)));
  GRU gru(2, 3, {.num_layers = 2});
  gru.to(kFloat64);
  CHECK(gradcheck([&](const V& v) {
    GRUOutput y = gru.forward(v[0], v[1]);
    return cat({y.output.flatten(), y.h.flatten()});
  }, with_params({leaf({3, 2, 2}, 4), leaf({2, 2, 3}, 5)}, gru)));
  LSTMCell lcell(2, 3);
  lcell.to(kFloat64);
  CHECK(gradcheck([&](const V& v) {
    LstmState s = lcell.forward(v[0], {v[1], v[2]});
    return cat({s.h, s.c}, 1);
  }, with_params({leaf({2, 2}, 6), leaf({2, 3}, 7), leaf({2, 3}, 8)}, lcell)));
  GRUCell gcell(2, 3, false);
  gcell.to(kFloat64);
  CHECK(gradcheck([&](const V& v) { return gcell.forward(v[0], v[1]); },
                  with_params({leaf({2, 2}, 9), leaf({2, 3}, 10)}, gcell)));
}

TEST_CASE("recurrent layers: PyTorch's state_dict keys, initialisation and printing") {
  CHECK(names(LSTM(3, 4, {.num_layers = 2})) ==
        std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1",
                                 "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"});
  CHECK(names(GRU(3, 4, {.bias = false})) == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"});
  CHECK(names(LSTMCell(3, 4)) == std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"});
  CHECK(GRU(3, 4, {.num_layers = 2}).state_dict()[4].second.shape() == Shape{12, 4});  // weight_ih_l1 (3H, H)

  // Every parameter U(-1/sqrt(H), 1/sqrt(H)) from gen in registration order.
  Generator g(7), expected(7);
  LSTM lstm(3, 4, {.num_layers = 2}, g);
  for (const auto& [name, p] : lstm.named_parameters()) {
    CAPTURE(name);
    Tensor t = empty(p.shape());
    init::uniform_(t, -0.5, 0.5, expected);
    CHECK(equal(p.detach(), t));
  }

  CHECK(repr(LSTM(256, 512, {.num_layers = 2, .batch_first = true})) == "LSTM(256, 512, num_layers=2, batch_first=True)");
  CHECK(repr(GRU(8, 16, {.bias = false, .dropout = 0.25})) == "GRU(8, 16, bias=False, dropout=0.25)");
  CHECK(repr(LSTMCell(3, 4)) == "LSTMCell(3, 4)");
  CHECK(repr(GRUCell(3, 4, false)) == "GRUCell(3, 4, bias=False)");
}

TEST_CASE("recurrent layers: dropout between layers only, while training, from the module's generator") {
  Generator g(1);
  LSTM lstm(3, 4, {.num_layers = 2, .dropout = 0.5}, g);
  Tensor x = randn({5, 2, 3});
  LSTMOutput a = lstm.forward(x), b = lstm.forward(x);
  CHECK(!allclose(a.output, b.output));  // fresh masks each call
  lstm.eval();
  Tensor eval = lstm.forward(x).output;
  LSTM plain(3, 4, {.num_layers = 2});
  plain.load_state_dict(lstm.state_dict());
  CHECK(allclose(eval, plain.forward(x).output));
  GRU one(3, 4, {.dropout = 0.5});  // one layer: nothing between layers, nothing to drop
  CHECK(allclose(one.forward(x).output, one.forward(x).output));
}

TEST_CASE("recurrent layer errors name the module and the shapes") {
  LSTM lstm(3, 4, {.num_layers = 2, .batch_first = true});
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 3})), Contains("LSTM(3, 4, num_layers=2, batch_first=True): expected input (B, T, 3), got (2, 3)"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 5, 2})), Contains("expected input (B, T, 3), got (2, 5, 2)"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(Tensor()), Contains("LSTM(3, 4, num_layers=2, batch_first=True): got an undefined input"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 5, 3}, {.dtype = kFloat64})), Contains("input is float64 but the weights are float32"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 0, 3})), Contains("at least one time step and one sequence, got input (2, 0, 3)"), Error);
  Tensor x = zeros({2, 5, 3});
  CHECK_THROWS_WITH_AS(lstm.forward(x, {zeros({2, 2, 4}), Tensor()}), Contains("LSTM(3, 4, num_layers=2, batch_first=True): pass both h0 and c0"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(x, {zeros({1, 2, 4}), zeros({2, 2, 4})}), Contains("expected h0 of shape (L, B, H) = (2, 2, 4), got (1, 2, 4)"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(x, {zeros({2, 2, 4}), zeros({2, 2, 4}, {.dtype = kFloat64})}), Contains("c0 is float64 but the input is float32"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(x, {}, zeros({2})), Contains("lengths must be an int64 tensor of shape (B,) = (2,) on the CPU, got float32 of shape (2,) on cpu"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(x, {}, lengths({5, 5, 5})), Contains("got int64 of shape (3,)"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(x, {}, lengths({5, 0})), Contains("lengths must be in [1, T] = [1, 5], got 0 for input (2, 5, 3)"), Error);
  CHECK_THROWS_WITH_AS(lstm.forward(x, {}, lengths({6, 1})), Contains("lengths must be in [1, T] = [1, 5], got 6"), Error);
  GRU gru(3, 4);
  CHECK_THROWS_WITH_AS(gru.forward(zeros({5, 2, 4})), Contains("GRU(3, 4): expected input (T, B, 3), got (5, 2, 4)"), Error);
  CHECK_THROWS_WITH_AS(gru.forward(zeros({5, 2, 3}), zeros({1, 3, 4})), Contains("GRU(3, 4): expected h0 of shape (L, B, H) = (1, 2, 4), got (1, 3, 4)"), Error);

  CHECK_THROWS_WITH_AS(LSTM(0, 4), Contains("LSTM: input_size and hidden_size must be positive, got 0 and 4"), Error);
  CHECK_THROWS_WITH_AS(GRU(3, 4, {.num_layers = 0}), Contains("GRU: num_layers must be at least 1, got 0"), Error);
  CHECK_THROWS_WITH_AS(LSTM(3, 4, {.dropout = 1.5}), Contains("LSTM: dropout must be a probability in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(LSTMCell(3, -1), Contains("LSTMCell: input_size and hidden_size must be positive, got 3 and -1"), Error);
  CHECK_THROWS_WITH_AS(GRUCell(0, 1), Contains("GRUCell: input_size and hidden_size must be positive"), Error);

  LSTMCell cell(3, 4);
  CHECK_THROWS_WITH_AS(cell.forward(zeros({2, 2})), Contains("LSTMCell(3, 4): expected input (B, 3) or (3,), got (2, 2)"), Error);
  CHECK_THROWS_WITH_AS(cell.forward(Tensor()), Contains("LSTMCell(3, 4): got an undefined input"), Error);
  CHECK_THROWS_WITH_AS(cell.forward(zeros({2, 3}, {.dtype = kFloat64})), Contains("LSTMCell(3, 4): input is float64 but the weights are float32"), Error);
  CHECK_THROWS_WITH_AS(cell.forward(zeros({2, 3}), {zeros({2, 4}), Tensor()}), Contains("LSTMCell(3, 4): pass both h and c"), Error);
  CHECK_THROWS_WITH_AS(cell.forward(zeros({2, 3}), {zeros({2, 4}), zeros({4})}), Contains("LSTMCell(3, 4): expected c of shape (2, 4) for input (2, 3), got (4,)"), Error);
  CHECK_THROWS_WITH_AS(cell.forward(zeros({3}), {zeros({1, 4}), zeros({4})}), Contains("expected h of shape (4,) for input (3,), got (1, 4)"), Error);
  GRUCell gcell(3, 4);
  CHECK_THROWS_WITH_AS(gcell.forward(zeros({2, 3}), zeros({2, 4}, {.dtype = kFloat64})), Contains("GRUCell(3, 4): h is float64 but the input is float32"), Error);
}
