// Finite-difference gradchecks of matmul (every torch.matmul case: 1-D, 2-D, batched with broadcast
// batch dims, transposed and sliced operands, one operand without grad) and of softmax / log_softmax.
#include <doctest/doctest.h>

#include <vector>

#include "gradcheck_inputs.h"
#include "muse/gradcheck.h"
#include "muse/ops.h"

using namespace muse;
using muse::testing::input;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

Tensor mm(const std::vector<Tensor>& v) { return matmul(v[0], v[1]); }

}  // namespace

TEST_CASE("gradcheck matmul of matrices, transposed and sliced") {
  Tensor a = input({3, 4}, 1), b = input({4, 5}, 2), bt = input({5, 4}, 3), wide = input({3, 8}, 4);
  CHECK(gradcheck(mm, {a, b}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0], v[1].t()); }, {a, bt}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0].t(), v[1].t()); }, {input({4, 3}, 30), bt}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0].slice(1, 0, std::nullopt, 2), v[1]); },
                  {wide, b}));
  // Only one operand requires grad.
  CHECK(gradcheck(mm, {a, input({4, 5}, 5, false)}));
  CHECK(gradcheck(mm, {input({3, 4}, 6, false), b}));
}

TEST_CASE("gradcheck matmul with 1-D operands") {
  Tensor u = input({4}, 7), v = input({4}, 8), m = input({3, 4}, 9), n = input({4, 2}, 10);
  CHECK(gradcheck(mm, {u, v}));      // dot
  CHECK(gradcheck(mm, {m, u}));      // (3, 4) x (4,)
  CHECK(gradcheck(mm, {u, n}));      // (4,) x (4, 2)
  Tensor batch = input({2, 4, 3}, 11);
  CHECK(gradcheck(mm, {u, batch}));  // (4,) x (2, 4, 3)
  CHECK(gradcheck([](const std::vector<Tensor>& x) { return matmul(x[1].transpose(1, 2), x[0]); }, {u, batch}));
}

TEST_CASE("gradcheck batched matmul with broadcast batch dims") {
  CHECK(gradcheck(mm, {input({2, 1, 3, 4}, 12), input({5, 4, 2}, 13)}));
  CHECK(gradcheck(mm, {input({3, 2, 4}, 14), input({4, 5}, 15)}));     // a batch times a shared matrix
  CHECK(gradcheck(mm, {input({2, 4}, 16), input({3, 4, 5}, 17)}));     // a shared matrix times a batch
  CHECK(gradcheck(mm, {input({1, 2, 4}, 18), input({3, 4, 2}, 19)}));  // a batch of one, broadcast
  Tensor p = input({2, 4, 3}, 20), q = input({2, 5, 4}, 21);
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0].transpose(1, 2), v[1].transpose(1, 2)); },
                  {p, q}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return matmul(v[0].transpose(1, 2), v[1]); },
                  {p, input({4, 2}, 22)}));
}

TEST_CASE("gradcheck softmax and log_softmax") {
  Tensor x = input({3, 4}, 23), y = input({2, 3, 4}, 24), s = input({}, 25);
  for (int64_t dim : {0, 1, -1}) {
    CAPTURE(dim);
    CHECK(gradcheck([dim](const std::vector<Tensor>& v) { return softmax(v[0], dim); }, {x}));
    CHECK(gradcheck([dim](const std::vector<Tensor>& v) { return log_softmax(v[0], dim); }, {x}));
    CHECK(gradcheck([dim](const std::vector<Tensor>& v) { return softmax(v[0].t(), dim); }, {x}));
    CHECK(gradcheck([dim](const std::vector<Tensor>& v) { return log_softmax(v[0], dim); }, {y}));
    CHECK(gradcheck([dim](const std::vector<Tensor>& v) { return softmax(v[0].slice(2, 1), dim); }, {y}));
  }
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return softmax(v[0], 0) * log_softmax(v[0], -1); }, {s}));
}
