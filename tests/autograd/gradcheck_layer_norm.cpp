// Finite-difference gradchecks of the fused layer normalization (the recorded op "layer_norm"): with
// and without weight and bias, one to three normalized dims, a single row and a row of one element,
// non-contiguous x, weight and bias, broadcast use of the output, and a gradient to weight alone.
#include <doctest/doctest.h>

#include "gradcheck_inputs.h"
#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;
using muse::testing::input;
using muse::testing::Inputs;

TEST_CASE("gradcheck layer_norm") {
  struct Case {
    Shape x;
    std::vector<int64_t> ns;
  };
  for (const Case& c : {Case{{5}, {5}}, Case{{3, 4}, {4}}, Case{{2, 3, 4}, {3, 4}}, Case{{2, 2, 3, 2}, {2, 3, 2}},
                        Case{{4, 1}, {1}}}) {
    CAPTURE(c.x);
    Shape ws(c.ns);
    uint64_t seed = static_cast<uint64_t>(c.x.size() * 10 + c.ns.size());
    Tensor x = input(c.x, seed), w = input(ws, seed + 1), b = input(ws, seed + 2);
    auto ns = c.ns;
    CHECK(gradcheck([ns](const Inputs& v) { return layer_norm(v[0], ns, v[1], v[2]); }, {x, w, b}));
    CHECK(gradcheck([ns](const Inputs& v) { return layer_norm(v[0], ns, v[1], {}); }, {x, w}));
    CHECK(gradcheck([ns](const Inputs& v) { return layer_norm(v[0], ns, {}, v[1]); }, {x, b}));
    CHECK(gradcheck([ns](const Inputs& v) { return layer_norm(v[0], ns, {}, {}, 1e-3); }, {x}));
  }
}

TEST_CASE("gradcheck layer_norm: non-contiguous inputs, one input at a time, reuse of the output") {
  // x as the transpose of (5, 3), weight a strided slice, bias a slice with an offset.
  Tensor xt = input({5, 3}, 1), wide = input({10}, 2), b = input({7}, 3);
  CHECK(gradcheck([](const Inputs& v) {
    return layer_norm(v[0].t(), {5}, v[1].slice(0, 0, std::nullopt, 2), v[2].slice(0, 2, 7));
  }, {xt, wide, b}));
  Tensor x = input({3, 4}, 4, false), w = input({4}, 5);
  CHECK(gradcheck([x](const Inputs& v) { return layer_norm(x, {4}, v[0]); }, {w}));
  Tensor x2 = input({3, 4}, 6);
  CHECK(gradcheck([w](const Inputs& v) { return layer_norm(v[0], {4}, w.detach()); }, {x2}));
  // The output used twice, and broadcast against a (3, 1) tensor.
  CHECK(gradcheck([](const Inputs& v) {
    Tensor y = layer_norm(v[0], {4}, v[1]);
    return y * y + y * v[2];
  }, {x2, w, input({3, 1}, 7)}));
}
