// Embedding and F::embedding: values and weight gradient against PyTorch 1.13 (rnn_reference.h) with
// padding_idx, which receives no gradient; float64 gradcheck; initialisation, printing and errors.
#include <doctest/doctest.h>

#include "muse/gradcheck.h"
#include "muse/nn/layers.h"
#include "rnn_case.h"

using namespace muse;
using namespace muse::nn;
using doctest::Contains;
namespace F = muse::nn::functional;

namespace {
Tensor ids(std::initializer_list<std::initializer_list<double>> rows) { return tensor(rows, {.dtype = kInt64}); }
}  // namespace

TEST_CASE("Embedding with padding_idx matches PyTorch; the padding row gets no gradient") {
  for (DType dtype : {kFloat64, kFloat32}) {
    CAPTURE(dtype);
    Embedding emb(6, 3, 1);
    rnn_case::load(emb, rnn_reference::embedding, dtype);
    Tensor y = emb(ids({{0, 1, 5, 1}, {2, 0, 4, 1}}));
    rnn_case::check(rnn_reference::embedding, &emb, {}, {{"output", y}}, 1e-7);
    CHECK(equal(emb.weight.grad()[1], zeros({3}, {.dtype = dtype})));
  }
}

TEST_CASE("F::embedding: any index shape, a negative padding_idx, gradcheck") {
  Tensor w = randn({5, 2}, {.dtype = kFloat64, .requires_grad = true});
  Tensor y = F::embedding(tensor({3, 3, 0}, {.dtype = kInt64}), w);
  CHECK(y.shape() == Shape{3, 2});
  CHECK(equal(y[0], w[3].detach()));
  CHECK(F::embedding(scalar_tensor(4, {.dtype = kInt64}), w).shape() == Shape{2});
  CHECK(F::embedding(zeros({2, 0}, {.dtype = kInt64}), w).shape() == Shape{2, 0, 2});
  F::embedding(ids({{4, 1}, {4, 4}}), w, -1).sum().backward();  // -1 is row 4
  CHECK(equal(w.grad(), tensor({{0, 0}, {1, 1}, {0, 0}, {0, 0}, {0, 0}}, {.dtype = kFloat64})));
  // (Row padding_idx itself has gradient 0 by design, which finite differences would not give.)
  Tensor w2 = randn({5, 3}, {.dtype = kFloat64, .requires_grad = true});
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return F::embedding(ids({{1, 2, 1}, {0, 4, 3}}), v[0]); }, {w2}));
  CHECK(gradcheck([](const std::vector<Tensor>& v) { return F::embedding(ids({{1, 3, 1}, {0, 4, 3}}), v[0], 2); }, {w2}));
}

TEST_CASE("Embedding: N(0, 1) weights with the padding row zeroed, printing, state_dict") {
  Generator g(3), expected(3);
  Embedding emb(4, 3, -2, g);
  CHECK(emb.padding_idx == 2);
  Tensor w = randn({4, 3}, {}, expected);
  CHECK(equal(emb.weight[0].detach(), w[0]));
  CHECK(equal(emb.weight[2].detach(), zeros({3})));
  CHECK(repr(emb) == "Embedding(4, 3, padding_idx=2)");
  CHECK(repr(Embedding(10, 5)) == "Embedding(10, 5)");
  CHECK(emb.state_dict().size() == 1);
  CHECK(emb.state_dict()[0].first == "weight");
}

TEST_CASE("Embedding errors name embedding, the index or dtype, and V") {
  Embedding emb(4, 3);
  CHECK_THROWS_WITH_AS(emb(ids({{0, 4}})), Contains("embedding: index 4 is out of range for V = 4 embeddings (input shape (1, 2), weight (4, 3))"), Error);
  CHECK_THROWS_WITH_AS(emb(ids({{-1, 2}})), Contains("embedding: index -1 is out of range for V = 4"), Error);
  CHECK_THROWS_WITH_AS(emb(zeros({2})), Contains("Embedding(4, 3): indices must be int64, got float32 of shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(F::embedding(zeros({2}), emb.weight), Contains("embedding: indices must be int64, got float32 of shape (2,) (V = 4)"), Error);
  CHECK_THROWS_WITH_AS(F::embedding(ids({{0}}), zeros({4})), Contains("embedding: weight must be 2-D (V, E), got shape (4,)"), Error);
  CHECK_THROWS_WITH_AS(F::embedding(ids({{0}}), zeros({4, 2}), 4), Contains("embedding: padding_idx must be within [-4, 4) for V = 4 embeddings, got 4"), Error);
  CHECK_THROWS_WITH_AS(Embedding(4, 3, -5), Contains("Embedding: padding_idx must be within [-4, 4)"), Error);
  CHECK_THROWS_WITH_AS(Embedding(0, 3), Contains("Embedding: num_embeddings and embedding_dim must be positive, got 0 and 3"), Error);
  CHECK_THROWS_WITH_AS(emb(Tensor()), Contains("Embedding(4, 3): got an undefined input"), Error);
}
