// The fused scaled_dot_product_attention on the GPU against the CPU: values and the gradients of q, k
// and v at awkward sizes (1, 7, 65, 130 queries and keys) with no mask, is_causal, bool, float and key
// padding masks, dropout (both backends draw the same Philox words, so they drop the same elements),
// float64, a head size that shrinks the kernel's tiles, non-contiguous inputs, and the device errors.
#include <doctest/doctest.h>

#include "compare.h"

using namespace muse;
using namespace cudatest;

namespace {

// Sums of float32 products in another order: compared norm-wise, as matmul.
constexpr Tol kAttention{2e-4, 0, true};

// f(q, k, v) with the mask moved to the inputs' device and a fresh Generator(9) for the dropout.
Fn attention(const Tensor& mask, bool causal, double dropout) {
  return [=](const std::vector<Tensor>& x) {
    Generator gen(9);
    Tensor m = mask.defined() ? mask.to(x[0].device()) : mask;
    return scaled_dot_product_attention(x[0], x[1], x[2], m, dropout, causal, std::nullopt, gen);
  };
}

}  // namespace

TEST_CASE("cuda: scaled_dot_product_attention forward and backward") {
  const int64_t B = 2, H = 3, E = 16, Ev = 8;
  for (int64_t L : {1, 7, 65, 130}) {
    for (int64_t S : {1, 7, 65, 130}) {
      std::string label = str("attention L ", L, " S ", S);
      std::vector<Tensor> qkv = {random({B, H, L, E}, L * 1000 + S), random({B, H, S, E}, L + S),
                                 random({B, H, S, Ev}, L * S + 1)};
      Tensor allowed = random({L, S}, 5) > -0.5, bias = random({B, 1, L, S}, 6);
      Tensor padding = (arange(S) < tensor({S, (S + 1) / 2}).unsqueeze(1)).view({B, 1, 1, S});
      check_op(label, attention({}, false, 0), qkv, kAttention);
      check_op(label + " causal", attention({}, true, 0), qkv, kAttention);
      check_op(label + " bool mask", attention(allowed, false, 0), qkv, kAttention);
      check_op(label + " float mask", attention(bias, false, 0), qkv, kAttention);
      check_op(label + " key padding", attention(padding, false, 0), qkv, kAttention);
      check_op(label + " dropout", attention(padding, false, 0.3), qkv, kAttention);
      check_op(label + " causal dropout", attention({}, true, 0.5), qkv, kAttention);
    }
  }
}

TEST_CASE("cuda: scaled_dot_product_attention in float64, large heads, non-contiguous inputs") {
  std::vector<Tensor> qkv = {random({3, 70, 32}, 1, kFloat64), random({3, 33, 32}, 2, kFloat64),
                             random({3, 33, 24}, 3, kFloat64)};
  check_op("attention float64", attention({}, true, 0.2), qkv, {1e-10, 0, true});
  // E = Ev = 512: the tiles shrink to fit the shared memory.
  check_op("attention E 512", attention({}, false, 0),
           {random({2, 40, 512}, 4), random({2, 37, 512}, 5), random({2, 37, 512}, 6)}, kAttention);
  check_op("attention of transposed inputs",
           [](const std::vector<Tensor>& x) {
             return scaled_dot_product_attention(x[0].transpose(1, 2), x[1].transpose(1, 2), x[2]);
           },
           {random({2, 16, 9}, 7), random({2, 16, 11}, 8), random({2, 11, 4}, 9)}, kAttention);
}

TEST_CASE("cuda: scaled_dot_product_attention with inputs on two devices") {
  Tensor q = zeros({2, 3, 4});
  CHECK_THROWS_WITH_AS(scaled_dot_product_attention(q.to(kCUDA), q, q),
                       doctest::Contains("scaled_dot_product_attention: tensors are on different devices"), Error);
  CHECK_THROWS_WITH_AS(scaled_dot_product_attention(q.to(kCUDA), q.to(kCUDA), q.to(kCUDA), ones({3, 3}) > 0),
                       doctest::Contains("scaled_dot_product_attention: tensors are on different devices"), Error);
}
