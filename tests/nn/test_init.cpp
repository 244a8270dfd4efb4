// Initialisers against their formulas: gains and fans by hand, bounds and sample variances.
#include <doctest/doctest.h>

#include <cmath>

#include "muse/muse.h"
#include "muse/nn/init.h"

using namespace muse;
namespace init = muse::nn::init;

TEST_CASE("init: gains and fans") {
  CHECK(init::calculate_gain("tanh") == doctest::Approx(5.0 / 3));
  CHECK(init::calculate_gain("relu") == doctest::Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain("leaky_relu", 0.2) == doctest::Approx(std::sqrt(2.0 / 1.04)));
  CHECK(init::calculate_gain("conv2d") == 1);
  auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(zeros({16, 8, 3, 3}));
  CHECK(fan_in == 72);
  CHECK(fan_out == 144);
  CHECK_THROWS_WITH_AS(init::calculate_gain("swish"), doctest::Contains("calculate_gain: unsupported nonlinearity 'swish'"), Error);
  CHECK_THROWS_WITH_AS(init::calculate_fan_in_and_fan_out(zeros({5})), doctest::Contains("needs a tensor of at least 2 dims, got shape (5,)"), Error);
}

TEST_CASE("init: xavier and kaiming follow their variances") {
  Generator g(0);
  Tensor w = zeros({256, 512}, {.dtype = kFloat64, .requires_grad = true});
  init::xavier_uniform_(w, 1, g);
  double bound = std::sqrt(6.0 / (256 + 512));
  CHECK(w.max().item() <= bound);
  CHECK(w.min().item() >= -bound);
  CHECK(var(w).item() == doctest::Approx(2.0 / (256 + 512)).epsilon(0.02));
  CHECK(w.requires_grad());
  CHECK(w.is_leaf());

  init::kaiming_normal_(w, 0, "fan_in", "relu", g);
  CHECK(muse::std(w).item() == doctest::Approx(std::sqrt(2.0 / 512)).epsilon(0.02));
  init::kaiming_uniform_(w, std::sqrt(5.0), "fan_out", "leaky_relu", g);
  double b = std::sqrt(3.0) * std::sqrt(2.0 / 6.0) / std::sqrt(256.0);  // PyTorch's Linear default, fan_out here
  CHECK(w.abs().max().item() <= b);
  CHECK(w.abs().max().item() > 0.99 * b);
  init::xavier_normal_(w, 2, g);
  CHECK(muse::std(w).item() == doctest::Approx(2 * std::sqrt(2.0 / 768)).epsilon(0.02));
  CHECK_THROWS_WITH_AS(init::kaiming_uniform_(w, 0, "fan_avg"), doctest::Contains("kaiming: mode must be 'fan_in' or 'fan_out', got 'fan_avg'"), Error);
}

TEST_CASE("init: constants and seeded repeats") {
  Tensor a = empty({3, 3}), b = empty({3, 3});
  init::ones_(a);
  CHECK(a.sum().item() == 9);
  init::zeros_(a);
  CHECK(a.sum().item() == 0);
  Generator g1(5), g2(5);
  init::normal_(a, 0, 1, g1);
  init::normal_(b, 0, 1, g2);
  CHECK(equal(a, b));
}
