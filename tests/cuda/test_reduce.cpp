// Reductions and softmax on the GPU against the CPU, forward and backward: rows short and long (the
// warp, block and chunked two-pass kernels), columns, several dims at once, int64 and bool inputs,
// NaN and -inf, and softmax rows of every kernel path.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "compare.h"

using namespace muse;
using namespace cudatest;

namespace {

// (shape, dims) pairs covering the row kernels (warp for short rows, block for long ones, chunked when
// few rows are long), the column kernel (inner > 1, chunked when few columns are long) and
// non-adjacent dims (permuted to the end).
struct Case {
  Shape shape;
  Dims dims;
};
const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {{1}, {}},          {{7}, {}},           {{1023}, {}},          {{4097}, {}},          {{1 << 20}, {}},
      {{7, 1023}, {1}},   {{7, 1023}, {0}},    {{4097, 3}, {0}},      {{3, 4097}, {1}},      {{131072, 3}, {0}},
      {{3, 5, 7}, {1}},   {{3, 5, 7}, {0, 2}}, {{33, 65, 2}, {0, 1}}, {{2, 70000, 33}, {1}},
  };
  return c;
}

}  // namespace

TEST_CASE("cuda: sum, mean, max, min, amax, amin, logsumexp, var, std, norm") {
  using R = std::function<Tensor(const Tensor&, const Dims&)>;
  std::vector<std::pair<const char*, R>> ops = {
      {"sum", [](const Tensor& x, const Dims& d) { return sum(x, d); }},
      {"mean", [](const Tensor& x, const Dims& d) { return mean(x, d, true); }},
      {"amax", [](const Tensor& x, const Dims& d) { return amax(x, d); }},
      {"amin", [](const Tensor& x, const Dims& d) { return amin(x, d, true); }},
      {"logsumexp", [](const Tensor& x, const Dims& d) { return logsumexp(x, d); }},
      {"var", [](const Tensor& x, const Dims& d) { return var(x, d); }},
      {"std", [](const Tensor& x, const Dims& d) { return muse::std(x, d, false); }},
      {"norm", [](const Tensor& x, const Dims& d) { return norm(x, 2, d); }},
      {"norm inf", [](const Tensor& x, const Dims& d) { return norm(x, INFINITY, d); }},
  };
  for (const auto& [name, f] : ops) {
    for (const Case& c : cases()) {
      if (c.shape.numel() == 1 && std::string(name).rfind("var", 0) == 0) continue;  // n - 1 = 0
      Tensor x = random(c.shape, c.shape.numel());
      check_op(str(name, " of ", c.shape, " over ", c.dims), [&](const auto& v) { return f(v[0], c.dims); }, {x},
               kReduction);
    }
  }
  Tensor x = random({37, 129}, 1);
  check_op("sum of a transposed input", [](const auto& v) { return sum(v[0].t(), {1}); }, {x}, kReduction);
  check_op("max of all", [](const auto& v) { return max(v[0]); }, {x}, kReduction);
  check_op("min of all", [](const auto& v) { return min(v[0].slice(1, 1, 100, 3)); }, {x}, kReduction);
  check_op("mean float64", [](const auto& v) { return mean(v[0], {0}); }, {random({4097, 5}, 2, kFloat64)},
           {1e-12, 1e-14});
}

TEST_CASE("cuda: max and min along a dim, argmax and argmin, with ties and NaN") {
  for (const Case& c : cases()) {
    if (c.dims.size() != 1) continue;
    int64_t d = c.dims[0];
    Tensor x = random(c.shape, 3);
    check_op(str("max along ", d, " of ", c.shape), [&](const auto& v) { return max(v[0], d).values; }, {x},
             kReduction);
    check_op(str("min indices of ", c.shape), [&](const auto& v) { return min(v[0], d).indices; }, {x}, kExact);
    check_op(str("argmax of ", c.shape), [&](const auto& v) { return argmax(v[0], d, true); }, {x}, kExact);
    check_op(str("argmin of all ", c.shape), [&](const auto& v) { return argmin(v[0]); }, {x}, kExact);
  }
  // Ties: the first extreme element wins; NaN counts as the extreme and the first NaN wins.
  Tensor ties = randint(0, 3, {33, 4097}).to(kFloat32);
  check_op("argmax with ties", [](const auto& v) { return argmax(v[0], 1); }, {ties}, kExact);
  check_op("argmin with ties, columns", [](const auto& v) { return argmin(v[0], 0); }, {ties}, kExact);
  Tensor nan = ties.clone();
  {
    NoGradGuard guard;
    nan.narrow(1, 100, 1).fill_(std::numeric_limits<double>::quiet_NaN());
    nan.narrow(1, 3000, 1).fill_(std::numeric_limits<double>::quiet_NaN());
  }
  check_op("argmax with NaN", [](const auto& v) { return argmax(v[0], 1); }, {nan}, kExact);
  check_op("amax with NaN", [](const auto& v) { return amax(v[0], {1}); }, {nan}, kExact, false);
}

TEST_CASE("cuda: sums of int64 and bool, max of int64 and bool") {
  Tensor i = randint(-1000, 1000, {3, 4097});
  check_op("sum int64", [](const auto& v) { return sum(v[0], {1}); }, {i}, kExact);
  check_op("sum int64 columns", [](const auto& v) { return sum(v[0], {0}); }, {i}, kExact);
  check_op("sum of all int64", [](const auto& v) { return sum(v[0]); }, {randint(-9, 9, {1 << 20})}, kExact);
  check_op("sum bool", [](const auto& v) { return sum(v[0] > 0.0); }, {random({4097}, 1)}, kExact);
  check_op("max int64", [](const auto& v) { return amax(v[0], {1}); }, {i}, kExact);
  check_op("max bool", [](const auto& v) { return amax(v[0] > 1.0, {1}); }, {random({7, 1023}, 2)}, kExact);
}

TEST_CASE("cuda: softmax and log_softmax, forward and backward, on every kernel path") {
  // Rows of <= 512 take a warp, rows of <= 8192 a block, both from registers; longer rows a block with
  // the online pass (16-byte loads when n % 4 == 0); inner > 1 columns.
  struct S {
    Shape shape;
    int64_t dim;
  };
  std::vector<S> shapes = {{{1}, 0},       {{7}, 0},        {{3, 100}, 1},  {{3, 500}, 1},   {{7, 1023}, 1},
                           {{3, 2000}, 1}, {{2, 1024}, -1}, {{3, 4097}, 1}, {{5, 4096}, 1},  {{2, 8193}, 1},
                           {{2, 10000}, 1}, {{7, 1023}, 0}, {{2, 3, 5}, 1}, {{4, 33, 65}, 1}};
  for (const S& s : shapes) {
    Tensor x = random(s.shape, 7) * 4.0;
    check_op(str("softmax ", s.shape, " dim ", s.dim), [&](const auto& v) { return softmax(v[0], s.dim); }, {x},
             kReduction);
    check_op(str("log_softmax ", s.shape, " dim ", s.dim), [&](const auto& v) { return log_softmax(v[0], s.dim); },
             {x}, kReduction);
  }
  Tensor x = random({37, 129}, 8);
  check_op("softmax of a transposed input", [](const auto& v) { return softmax(v[0].t(), 1); }, {x}, kReduction);
  check_op("log_softmax float64", [](const auto& v) { return log_softmax(v[0], 1); }, {random({5, 4097}, 9, kFloat64)},
           {1e-12, 1e-14});
}

TEST_CASE("cuda: softmax with -inf masks (a causal mask) and NaN rows") {
  Tensor x = random({64, 64}, 4);
  auto causal = [](const auto& v) {
    Tensor keep = ge(arange(64.0, {.device = v[0].device()}).unsqueeze(1), arange(64.0, {.device = v[0].device()}));
    return softmax(masked_fill(v[0], logical_not(keep), -INFINITY), 1);
  };
  check_op("causal softmax (warp path)", causal, {x}, kReduction);
  Tensor wide = random({4, 2048}, 5);
  auto half_masked = [](const auto& v) {
    Tensor keep = arange(2048.0, {.device = v[0].device()}) < 1000.0;
    return log_softmax(where(keep, v[0], -INFINITY), 1);
  };
  check_op("masked log_softmax (block path)", half_masked, {wide}, kReduction);
  Tensor nan = x.clone();
  {
    NoGradGuard guard;
    nan.narrow(0, 3, 1).narrow(1, 5, 1).fill_(NAN);
  }
  check_op("softmax with NaN", [](const auto& v) { return softmax(v[0], 1); }, {nan}, kReduction, false);
}
