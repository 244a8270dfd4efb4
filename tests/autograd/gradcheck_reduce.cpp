// Finite-difference gradchecks of the reductions: sum, mean, max/min (full and along a dim), amax/amin,
// var, std, logsumexp and norm, over several dims lists with keepdim both ways, on transposed and
// sliced inputs and 0-dim inputs. Random inputs have no ties, where max is not differentiable.
#include <doctest/doctest.h>

#include <limits>
#include <vector>

#include "gradcheck_inputs.h"
#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;
using muse::testing::input;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// The dims lists and keepdim settings every dims-taking reduction is checked with, on x (2, 3, 4).
const std::vector<Dims> kDimsLists = {{}, {0}, {-1}, {0, 2}, {1, 2}, {2, 0, 1}};

// f(x, dims, keepdim) on a contiguous, a transposed and a sliced (2, 3, 4) input, and on a 0-dim one
// unless f is undefined there.
void check_dims(const std::function<Tensor(const Tensor&, const Dims&, bool)>& f, uint64_t seed,
                bool scalar = true) {
  Tensor x = input({2, 3, 4}, seed), wide = input({2, 3, 8}, seed + 1), t = input({4, 3, 2}, seed + 2);
  for (const Dims& dims : kDimsLists) {
    for (bool keep : {false, true}) {
      CAPTURE(dims);
      CAPTURE(keep);
      CHECK(gradcheck([&](const std::vector<Tensor>& v) { return f(v[0], dims, keep); }, {x}));
      CHECK(gradcheck([&](const std::vector<Tensor>& v) { return f(v[0].permute({2, 1, 0}), dims, keep); }, {t}));
      CHECK(gradcheck([&](const std::vector<Tensor>& v) { return f(v[0].slice(2, 1, std::nullopt, 2), dims, keep); },
                      {wide}));
    }
  }
  if (!scalar) return;
  Tensor s = input({}, seed + 3);
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return f(v[0], {}, false); }, {s}));
}

}  // namespace

TEST_CASE("gradcheck sum and mean") {
  check_dims([](const Tensor& x, const Dims& d, bool k) { return sum(x, d, k); }, 1);
  check_dims([](const Tensor& x, const Dims& d, bool k) { return mean(x, d, k); }, 2);
  Tensor x = input({3, 4}, 3);
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return sum(v[0]) * mean(v[0].t()); }, {x}));
}

TEST_CASE("gradcheck amax and amin") {
  check_dims([](const Tensor& x, const Dims& d, bool k) { return amax(x, d, k); }, 4);
  check_dims([](const Tensor& x, const Dims& d, bool k) { return amin(x, d, k); }, 5);
}

TEST_CASE("gradcheck max and min, full and along a dim") {
  Tensor x = input({3, 5}, 6), s = input({}, 7);
  for (const Fn& f : std::vector<Fn>{
           [](const std::vector<Tensor>& v) { return max(v[0]); },
           [](const std::vector<Tensor>& v) { return min(v[0].t()); },
           [](const std::vector<Tensor>& v) { return max(v[0], 1).values; },
           [](const std::vector<Tensor>& v) { return max(v[0].t(), 0, true).values; },
           [](const std::vector<Tensor>& v) { return min(v[0], -2).values; },
           [](const std::vector<Tensor>& v) { return min(v[0].slice(1, 1, 4), 1, true).values; },
       }) {
    CHECK(gradcheck(f, {x}));
  }
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return max(v[0], 0).values + min(v[0]); }, {s}));
}

TEST_CASE("gradcheck var and std") {
  // The unbiased variance of one element divides 0 by 0.
  check_dims([](const Tensor& x, const Dims& d, bool k) { return var(x, d, true, k); }, 8, false);
  check_dims([](const Tensor& x, const Dims& d, bool k) { return var(x, d, false, k); }, 9);
  Tensor x = input({3, 4}, 10);
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return muse::std(v[0]); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return muse::std(v[0].t(), {1}, false, true); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return var(v[0], {}, false); }, {x}));
}

TEST_CASE("gradcheck logsumexp") {
  check_dims([](const Tensor& x, const Dims& d, bool k) { return logsumexp(x, d, k); }, 11);
}

TEST_CASE("gradcheck norm for several p") {
  double inf = std::numeric_limits<double>::infinity();
  for (double p : {2.0, 1.0, 3.0, 1.5, inf, -inf}) {
    CAPTURE(p);
    check_dims([p](const Tensor& x, const Dims& d, bool k) { return norm(x, p, d, k); }, 12);
  }
  Tensor x = input({4}, 13);
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return norm(v[0]); }, {x}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return norm(v[0], 0); }, {x}));  // gradient 0
  // One zero row: its gradient is 0 (not NaN), the other row's is x / |x|.
  Tensor z = input({2, 3}, 14), mask = tensor({1.0, 0.0}, {.dtype = kFloat64}).reshape({2, 1});
  for (double p : {2.0, 3.0, inf}) {
    CHECK(gradcheck([&](const std::vector<Tensor>& v) { return norm(v[0] * mask, p, {1}); }, {z}));
  }
}
