// The fused LSTM cell against the composite it replaced (chunk, sigmoid, tanh: the same equations as
// autograd ops), against torch.nn.LSTMCell (tests/autograd/lstm_reference.h, made by
// make_lstm_reference.py), the backend's "empty gradient means zero" convention, and the error messages.
#include <doctest/doctest.h>

#include <tuple>
#include <vector>

#include "lstm_reference.h"
#include "muse/muse.h"
#include "reference.h"
#include "autograd/node.h"
#include "tensor/backend.h"

using namespace muse;
using doctest::Contains;

namespace {

// The cell as autograd ops (muse/ops.h's equations), differentiated by the engine.
LstmState composite(const Tensor& gates, const Tensor& c) {
  std::vector<Tensor> g = chunk(gates, 4, 1);  // (B, H) each: input, forget, cell, output
  Tensor c_next = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
  return {sigmoid(g[3]) * tanh(c_next), c_next};
}

std::vector<double> vals(const Tensor& t) { return t.detach().to(kFloat64).contiguous().to_vector<double>(); }

Tensor leaf(const Tensor& t) { return t.detach().requires_grad_(); }

// Runs cell on copies of gates and c; returns h, c and the gradients of sum(h * wh + c * wc).
std::vector<Tensor> run(LstmState (*cell)(const Tensor&, const Tensor&), const Tensor& gates, const Tensor& c,
                        const Tensor& wh, const Tensor& wc) {
  Tensor g = leaf(gates), c0 = leaf(c);
  LstmState s = cell(g, c0);
  (s.h * wh + s.c * wc).sum().backward();
  return {s.h, s.c, g.grad(), c0.grad()};
}

Tensor from(const std::vector<double>& v, const Shape& shape) { return from_vector(v, shape, {.dtype = kFloat64}); }

}  // namespace

TEST_CASE("lstm_cell matches the composite cell, values and gradients") {
  for (DType dtype : {kFloat64, kFloat32}) {
    for (auto [B, H] : {std::pair<int64_t, int64_t>{1, 1}, {3, 5}, {4, 33}, {2, 1000}}) {
      CAPTURE(dtype);
      CAPTURE(B);
      CAPTURE(H);
      Generator gen(static_cast<uint64_t>(B * 1000 + H));
      Tensor gates = randn({B, 4 * H}, {.dtype = dtype}, gen) * 2.0, c = randn({B, H}, {.dtype = dtype}, gen);
      Tensor wh = randn({B, H}, {.dtype = dtype}, gen), wc = randn({B, H}, {.dtype = dtype}, gen);
      std::vector<Tensor> fused = run(lstm_cell, gates, c, wh, wc), ref = run(composite, gates, c, wh, wc);
      double tol = dtype == kFloat64 ? 1e-12 : 2e-5;
      for (size_t k = 0; k < fused.size(); ++k) {
        CAPTURE(k);
        CHECK(fused[k].dtype() == dtype);
        CHECK(fused[k].shape() == ref[k].shape());
        check_close(fused[k], vals(ref[k]), tol);
      }
    }
  }
}

TEST_CASE("lstm_cell on non-contiguous inputs, and without grad mode") {
  Generator gen(7);
  Tensor gates_t = randn({20, 3}, {.dtype = kFloat64}, gen), c_wide = randn({3, 10}, {.dtype = kFloat64}, gen);
  Tensor gates = gates_t.t(), c = c_wide.slice(1, 0, std::nullopt, 2);
  REQUIRE_FALSE(gates.is_contiguous());
  LstmState fused = lstm_cell(gates, c), ref = composite(gates.contiguous(), c.contiguous());
  check_close(fused.h, vals(ref.h), 1e-12);
  check_close(fused.c, vals(ref.c), 1e-12);
  NoGradGuard no_grad;
  Tensor g = gates.detach().requires_grad_();
  LstmState s = lstm_cell(g, c);
  CHECK_FALSE(s.h.requires_grad());
  check_close(s.c, vals(ref.c), 1e-12);
}

TEST_CASE("lstm_cell: empty batch") {
  LstmState s = lstm_cell(zeros({0, 8}), zeros({0, 2}));
  CHECK(s.h.shape() == Shape{0, 2});
  CHECK(s.c.shape() == Shape{0, 2});
}

TEST_CASE("lstm_cell against torch.nn.LSTMCell") {
  for (const lstm_reference::Case& r : lstm_reference::cases) {
    for (DType dtype : {kFloat64, kFloat32}) {
      CAPTURE(r.name);
      CAPTURE(dtype);
      int64_t B = r.batch, I = r.input_size, H = r.hidden_size;
      auto param = [&](const std::vector<double>& v, const Shape& s) { return from(v, s).to(dtype).requires_grad_(); };
      Tensor x = param(r.x, {B, I}), h0 = param(r.h0, {B, H}), c0 = param(r.c0, {B, H});
      Tensor w_ih = param(r.w_ih, {4 * H, I}), w_hh = param(r.w_hh, {4 * H, H});
      Tensor b_ih = param(r.b_ih, {4 * H}), b_hh = param(r.b_hh, {4 * H});
      LstmState s = lstm_cell(linear(x, w_ih, b_ih) + linear(h0, w_hh, b_hh), c0);
      (s.h * from(r.grad_h, {B, H}).to(dtype) + s.c * from(r.grad_c, {B, H}).to(dtype)).sum().backward();
      double tol = dtype == kFloat64 ? 1e-10 : 1e-4;
      check_close(s.h, r.h1, tol);
      check_close(s.c, r.c1, tol);
      check_close(x.grad(), r.dx, tol);
      check_close(h0.grad(), r.dh0, tol);
      check_close(c0.grad(), r.dc0, tol);
      check_close(w_ih.grad(), r.dw_ih, tol);
      check_close(w_hh.grad(), r.dw_hh, tol);
      check_close(b_ih.grad(), r.db_ih, tol);
      check_close(b_hh.grad(), r.db_hh, tol);
    }
  }
}

// Backend::lstm_cell_backward: an empty dh or dc gives the same result as a zero one.
TEST_CASE("lstm_cell_backward: an empty gradient means zero") {
  int64_t B = 3, H = 6;
  Backend& cpu = backend(Device::CPU);
  Generator gen(3);
  auto arr = [&](const Shape& s) { return array(randn(s, {.dtype = kFloat64}, gen)); };
  Array gates = arr({B, 4 * H}), c = arr({B, H}), dh = arr({B, H}), dc = arr({B, H}), zero = arr({B, H});
  cpu.fill(zero, 0);
  Array act = Array::empty({B, 4 * H}, kFloat64), h1 = Array::empty({B, H}, kFloat64), c1 = Array::empty({B, H}, kFloat64);
  cpu.lstm_cell_forward(gates, c, act, h1, c1);
  auto backward = [&](const Array& g_h, const Array& g_c) {
    Array dg = Array::empty({B, 4 * H}, kFloat64), dprev = Array::empty({B, H}, kFloat64);
    cpu.lstm_cell_backward(act, c, c1, g_h, g_c, dg, dprev);
    std::vector<double> v(dg.data<double>(), dg.data<double>() + dg.numel());
    v.insert(v.end(), dprev.data<double>(), dprev.data<double>() + dprev.numel());
    return v;
  };
  CHECK(backward(dh, Array()) == backward(dh, zero));
  CHECK(backward(Array(), dc) == backward(zero, dc));
  CHECK(backward(Array(), Array()) == backward(zero, zero));
  CHECK(backward(dh, dc) != backward(dh, zero));
}

TEST_CASE("lstm_cell errors name the op and the shapes") {
  Tensor gates = zeros({3, 8}), c = zeros({3, 2});
  CHECK_THROWS_WITH_AS(lstm_cell(gates, zeros({3, 3})), Contains("lstm_cell: gates (3, 8) need 4H = 12 columns for c (3, 3)"),
                       Error);
  CHECK_THROWS_WITH_AS(lstm_cell(gates, zeros({2, 2})), Contains("lstm_cell: batch mismatch, gates (3, 8) and c (2, 2)"),
                       Error);
  CHECK_THROWS_WITH_AS(lstm_cell(zeros({8}), c), Contains("lstm_cell: expected gates (B, 4H) and c (B, H), got gates of shape (8,)"),
                       Error);
  CHECK_THROWS_WITH_AS(lstm_cell(gates, zeros({3, 2, 1})), Contains("and c of shape (3, 2, 1)"), Error);
  CHECK_THROWS_WITH_AS(lstm_cell(gates, zeros({3, 2}, {.dtype = kFloat64})), Contains("lstm_cell: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(lstm_cell(zeros({3, 8}, {.dtype = kInt64}), zeros({3, 2}, {.dtype = kInt64})),
                       Contains("lstm_cell"), Error);
  CHECK_THROWS_WITH_AS(lstm_cell(Tensor(), c), Contains("lstm_cell"), Error);
}

// lstm_sequence against the same recurrence written step by step (lstm_cell and matmul), values and
// every gradient, in float64 and float32; and without grad mode (its buffers are then reused).
TEST_CASE("lstm_sequence matches the step-by-step recurrence") {
  for (DType dtype : {kFloat64, kFloat32}) {
    for (auto [T, B, H] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {5, 3, 4}, {7, 2, 33}}) {
      CAPTURE(dtype);
      CAPTURE(T);
      CAPTURE(H);
      Generator gen(static_cast<uint64_t>(T * 100 + H));
      auto make = [&](const Shape& s) { return randn(s, {.dtype = dtype}, gen).requires_grad_(); };
      Tensor xp = make({T, B, 4 * H}), w = make({4 * H, H}), h0 = make({B, H}), c0 = make({B, H});
      Tensor wy = randn({T, B, H}, {.dtype = dtype}, gen), wc = randn({B, H}, {.dtype = dtype}, gen);
      // The loss weighs every h_t and c_T, so every gradient path is exercised.
      auto grads = [&](const Tensor& hs, const Tensor& c_n) {
        for (Tensor* t : {&xp, &w, &h0, &c0}) t->mutable_grad() = Tensor();
        ((hs * wy).sum() + (c_n * wc).sum()).backward();
        return std::vector<Tensor>{hs.detach(), c_n.detach(), xp.grad(), w.grad(), h0.grad(), c0.grad()};
      };
      LstmSequence fused = lstm_sequence(xp, w, h0, c0);
      CHECK(fused.h_n.shape() == Shape{B, H});
      std::vector<Tensor> a = grads(fused.h, fused.c_n);
      Tensor h = h0, c = c0;
      std::vector<Tensor> steps;
      for (int64_t t = 0; t < T; ++t) {
        LstmState s = lstm_cell(xp.select(0, t) + matmul(h, w.t()), c);
        h = s.h, c = s.c;
        steps.push_back(h);
      }
      check_close(fused.h_n, vals(h), dtype == kFloat64 ? 1e-12 : 1e-5);
      std::vector<Tensor> b = grads(stack(steps, 0), c);
      for (size_t k = 0; k < a.size(); ++k) {
        CAPTURE(k);
        CHECK(a[k].dtype() == dtype);
        CHECK(a[k].shape() == b[k].shape());
        check_close(a[k], vals(b[k]), dtype == kFloat64 ? 1e-12 : 1e-4);
      }
      NoGradGuard no_grad;
      LstmSequence inference = lstm_sequence(xp, w, h0, c0);
      CHECK_FALSE(inference.h.requires_grad());
      check_close(inference.h, vals(a[0]), 1e-15);  // the same kernels: equal
      check_close(inference.c_n, vals(a[1]), 1e-15);
    }
  }
}

TEST_CASE("lstm_sequence errors name the op and the shapes") {
  Tensor xp = zeros({4, 3, 8}), w = zeros({8, 2}), h0 = zeros({3, 2}), c0 = zeros({3, 2});
  CHECK_THROWS_WITH_AS(lstm_sequence(xp, zeros({8, 3}), h0, c0),
                       Contains("lstm_sequence: xp (4, 3, 8) and w_hh (8, 3) need T >= 1 steps and 4H = 12"), Error);
  CHECK_THROWS_WITH_AS(lstm_sequence(zeros({0, 3, 8}), w, h0, c0), Contains("need T >= 1 steps"), Error);
  CHECK_THROWS_WITH_AS(lstm_sequence(xp, w, zeros({2, 2}), c0),
                       Contains("lstm_sequence: h0 (2, 2) and c0 (3, 2) must be (B, H) = (3, 2)"), Error);
  CHECK_THROWS_WITH_AS(lstm_sequence(zeros({3, 8}), w, h0, c0), Contains("expected xp (T, B, 4H)"), Error);
  CHECK_THROWS_WITH_AS(lstm_sequence(xp, w, h0, zeros({3, 2}, {.dtype = kFloat64})),
                       Contains("lstm_sequence: dtype mismatch"), Error);
  CHECK_THROWS_WITH_AS(lstm_sequence(xp, Tensor(), h0, c0), Contains("lstm_sequence"), Error);
}
