// Conv2d and ConvTranspose2d: PyTorch's printing, state_dict keys and shapes, default-init bounds,
// forward equal to the functional ops, and the errors that name the layer and the shapes.
#include <doctest/doctest.h>

#include <cmath>

#include "muse/muse.h"
#include "muse/nn/layers.h"

using namespace muse;
using namespace muse::nn;

namespace {

// Every value of t in [-bound, bound], and the largest close to the bound (a uniform, not a narrower law).
void check_uniform(const Tensor& t, double bound) {
  double m = t.detach().to(kFloat64).abs().max().item();
  CHECK(m <= bound);
  CHECK(m > 0.95 * bound);
}

}  // namespace

TEST_CASE("Conv2d and ConvTranspose2d print as PyTorch does") {
  CHECK(repr(Conv2d(1, 64, 4, {.stride = 2, .padding = 1})) ==
        "Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))");
  CHECK(repr(ConvTranspose2d(100, 256, 4, {.bias = false})) ==
        "ConvTranspose2d(100, 256, kernel_size=(4, 4), stride=(1, 1), bias=False)");
  CHECK(repr(Conv2d(4, 6, {3, 5}, {.stride = {2, 1}, .padding = {1, 2}, .dilation = {2, 1}, .groups = 2, .bias = false})) ==
        "Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2, bias=False)");
  CHECK(repr(ConvTranspose2d(4, 6, 3, {.stride = 2, .padding = 1, .output_padding = 1, .groups = 2, .dilation = 2})) ==
        "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
        "output_padding=(1, 1), groups=2)");
  CHECK(repr(Conv2d(2, 2, 3)) == "Conv2d(2, 2, kernel_size=(3, 3), stride=(1, 1))");
}

TEST_CASE("Conv2d and ConvTranspose2d: state_dict keys and shapes are PyTorch's") {
  Conv2d conv(6, 4, {3, 2}, {.groups = 2});
  auto sd = conv.state_dict();
  REQUIRE(sd.size() == 2);
  CHECK(sd[0].first == "weight");
  CHECK(sd[0].second.shape() == Shape{4, 3, 3, 2});
  CHECK(sd[1].first == "bias");
  CHECK(sd[1].second.shape() == Shape{4});
  ConvTranspose2d convt(6, 4, {3, 2}, {.groups = 2});
  auto sdt = convt.state_dict();
  REQUIRE(sdt.size() == 2);
  CHECK(sdt[0].first == "weight");
  CHECK(sdt[0].second.shape() == Shape{6, 2, 3, 2});
  CHECK(sdt[1].second.shape() == Shape{4});
  CHECK(ConvTranspose2d(3, 5, 2, {.bias = false}).state_dict().size() == 1);
  CHECK(!Conv2d(3, 5, 2, {.bias = false}).bias.defined());
}

TEST_CASE("Conv2d and ConvTranspose2d: default init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in from weight dim 1") {
  Conv2d conv(64, 128, 4, {.stride = 2, .padding = 1});
  check_uniform(conv.weight, 1 / std::sqrt(64.0 * 16));
  check_uniform(conv.bias, 1 / std::sqrt(64.0 * 16));
  // Transposed: dim 1 is out_channels / groups, so fan_in = 256 / 2 * 16.
  ConvTranspose2d convt(100, 256, 4, {.groups = 2});
  check_uniform(convt.weight, 1 / std::sqrt(128.0 * 16));
  check_uniform(convt.bias, 1 / std::sqrt(128.0 * 16));
  Generator a(3), b(3);
  CHECK(allclose(Conv2d(2, 3, 3, {}, a).weight, Conv2d(2, 3, 3, {}, b).weight));
}

TEST_CASE("Conv2d and ConvTranspose2d: forward is the functional op") {
  Generator g(5);
  Conv2d conv(3, 4, 3, {.stride = 2, .padding = 1}, g);
  Tensor x = randn({2, 3, 9, 8}, {}, g);
  CHECK(allclose(conv(x), conv2d(x, conv.weight, conv.bias, 2, 1)));
  CHECK(conv(x).shape() == Shape{2, 4, 5, 4});
  CHECK(conv(x[0]).shape() == Shape{4, 5, 4});
  ConvTranspose2d convt(4, 2, 4, {.stride = 2, .padding = 1}, g);
  Tensor z = randn({2, 4, 5, 4}, {}, g);
  CHECK(allclose(convt(z), conv_transpose2d(z, convt.weight, convt.bias, 2, 1)));
  CHECK(convt(z).shape() == Shape{2, 2, 10, 8});
}

TEST_CASE("Conv2d and ConvTranspose2d: errors name the layer and the shapes") {
  using doctest::Contains;
  Conv2d conv(1, 64, 4, {.stride = 2, .padding = 1});
  CHECK_THROWS_WITH_AS(conv(zeros({8, 3, 28, 28})),
                       Contains("Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)): expected input "
                                "(N, 1, H, W) or (1, H, W), got (8, 3, 28, 28)"),
                       Error);
  CHECK_THROWS_WITH_AS(conv(zeros({8, 784})), Contains("expected input (N, 1, H, W) or (1, H, W), got (8, 784)"), Error);
  CHECK_THROWS_WITH_AS(conv(zeros({8, 1, 28, 28}, {.dtype = kFloat64})),
                       Contains("Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)): input is float64"),
                       Error);
  CHECK_THROWS_WITH_AS(conv(Tensor()), Contains("Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)): got an undefined input"), Error);
  ConvTranspose2d convt(100, 256, 4, {.bias = false});
  CHECK_THROWS_WITH_AS(convt(zeros({8, 10, 1, 1})),
                       Contains("ConvTranspose2d(100, 256, kernel_size=(4, 4), stride=(1, 1), bias=False): expected "
                                "input (N, 100, H, W) or (100, H, W), got (8, 10, 1, 1)"),
                       Error);
  CHECK_THROWS_WITH_AS(Conv2d(3, 4, 3, {.groups = 2}), Contains("Conv2d: in_channels 3 and out_channels 4 must be divisible by groups 2"), Error);
  CHECK_THROWS_WITH_AS(ConvTranspose2d(4, 4, 3, {.groups = 0}), Contains("ConvTranspose2d: groups must be positive, got 0"), Error);
  CHECK_THROWS_WITH_AS(Conv2d(0, 4, 3), Contains("Conv2d: in_channels and out_channels must be positive, got 0 and 4"), Error);
  CHECK_THROWS_WITH_AS(Conv2d(1, 4, {3, 0}), Contains("Conv2d: kernel_size must be positive, got (3, 0)"), Error);
  // Errors of the op itself still surface (an input too small for the kernel).
  CHECK_THROWS_WITH_AS(conv(zeros({1, 1, 1, 1})), Contains("conv2d: output size"), Error);
}

TEST_CASE("Conv2d and ConvTranspose2d: the dcgan stacks map (N, 100, 1, 1) to 32 x 32 images and back to a score") {
  Sequential G(std::make_shared<ConvTranspose2d>(100, 256, 4), std::make_shared<ReLU>(),
               std::make_shared<ConvTranspose2d>(256, 128, 4, ConvTranspose2dOptions{.stride = 2, .padding = 1}),
               std::make_shared<ReLU>(),
               std::make_shared<ConvTranspose2d>(128, 64, 4, ConvTranspose2dOptions{.stride = 2, .padding = 1}),
               std::make_shared<ReLU>(),
               std::make_shared<ConvTranspose2d>(64, 1, 4, ConvTranspose2dOptions{.stride = 2, .padding = 1}),
               std::make_shared<Tanh>());
  Sequential D(std::make_shared<Conv2d>(1, 64, 4, Conv2dOptions{.stride = 2, .padding = 1}),
               std::make_shared<LeakyReLU>(0.2),
               std::make_shared<Conv2d>(64, 128, 4, Conv2dOptions{.stride = 2, .padding = 1}),
               std::make_shared<LeakyReLU>(0.2),
               std::make_shared<Conv2d>(128, 256, 4, Conv2dOptions{.stride = 2, .padding = 1}),
               std::make_shared<LeakyReLU>(0.2), std::make_shared<Conv2d>(256, 1, 4));
  Tensor fake = G(randn({3, 100, 1, 1}));
  CHECK(fake.shape() == Shape{3, 1, 32, 32});
  Tensor score = D(fake);
  CHECK(score.shape() == Shape{3, 1, 1, 1});
  score.sum().backward();
  for (const Tensor& p : G.parameters()) CHECK(p.grad().defined());
  CHECK(G.state_dict()[0].first == "0.weight");
}
