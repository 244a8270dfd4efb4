// The 2-D layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Upsample, the padding layers and Dropout2d.
// Printing is checked against what PyTorch 1.13 prints for the same arguments; forward against the ops
// (whose values tests/autograd/test_pool.cpp checks against PyTorch); Dropout2d's channel masks by their
// structure and statistics; errors name the layer and the shapes.
#include <doctest/doctest.h>

#include "muse/gradcheck.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/nn/layers.h"

using namespace muse;
using namespace muse::nn;
namespace F = muse::nn::functional;

TEST_CASE("pooling, upsampling and padding layers print as PyTorch's and have no state") {
  CHECK(repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(MaxPool2d({2, 3}, {.padding = 1})) ==
        "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=1, dilation=1, ceil_mode=False)");
  CHECK(repr(MaxPool2d(3, {.stride = Int2{2, 1}, .dilation = 2, .ceil_mode = true})) ==
        "MaxPool2d(kernel_size=3, stride=(2, 1), padding=0, dilation=2, ceil_mode=True)");
  CHECK(repr(AvgPool2d(3, {.stride = 2})) == "AvgPool2d(kernel_size=3, stride=2, padding=0)");
  CHECK(repr(AvgPool2d(3, {.ceil_mode = true, .divisor_override = 2})) == "AvgPool2d(kernel_size=3, stride=3, padding=0)");
  CHECK(repr(AdaptiveAvgPool2d({5, 7})) == "AdaptiveAvgPool2d(output_size=(5, 7))");
  CHECK(repr(AdaptiveAvgPool2d(5)) == "AdaptiveAvgPool2d(output_size=5)");
  CHECK(repr(Upsample({.scale_factor = 2})) == "Upsample(scale_factor=2.0, mode=nearest)");
  CHECK(repr(Upsample({.size = Int2{4, 6}, .mode = UpsampleMode::Bilinear, .align_corners = true})) ==
        "Upsample(size=(4, 6), mode=bilinear)");
  CHECK(repr(Upsample({.size = 4})) == "Upsample(size=4, mode=nearest)");
  CHECK(repr(ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))");
  CHECK(repr(ZeroPad2d({1, 2, 3, 4})) == "ZeroPad2d((1, 2, 3, 4))");
  CHECK(repr(ReflectionPad2d(2)) == "ReflectionPad2d((2, 2, 2, 2))");
  CHECK(repr(ReplicationPad2d({1, 0, 2, 0})) == "ReplicationPad2d((1, 0, 2, 0))");
  CHECK(repr(Dropout2d(0.3)) == "Dropout2d(p=0.3, inplace=False)");
  CHECK(MaxPool2d(2).state_dict().empty());
  CHECK(Upsample({.size = 4}).parameters().empty());

  auto net = std::make_shared<Sequential>(std::make_shared<ReflectionPad2d>(1), std::make_shared<BatchNorm2d>(3),
                                          std::make_shared<MaxPool2d>(2));
  std::vector<std::string> keys;
  for (const auto& [key, value] : net->state_dict()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"1.weight", "1.bias", "1.running_mean", "1.running_var",
                                         "1.num_batches_tracked"});
}

TEST_CASE("the layers apply their ops") {
  Tensor x = randn({2, 3, 6, 7});
  CHECK(equal(MaxPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true})(x), max_pool2d(x, 3, 2, 1, 1, true)));
  CHECK(equal(AvgPool2d(3, {.stride = 2, .padding = 1, .count_include_pad = false})(x),
              avg_pool2d(x, 3, 2, 1, false, false)));
  CHECK(equal(AdaptiveAvgPool2d({4, 2})(x), adaptive_avg_pool2d(x, {4, 2})));
  CHECK(equal(Upsample({.size = Int2{9, 8}})(x), upsample_nearest2d(x, {9, 8})));
  CHECK(equal(Upsample({.scale_factor = 1.5, .mode = UpsampleMode::Bilinear, .align_corners = true})(x),
              upsample_bilinear2d_scale(x, 1.5, true)));
  CHECK(equal(ZeroPad2d({1, 0, 2, 3})(x), pad(x, {1, 0, 2, 3})));
  CHECK(equal(ReflectionPad2d(2)(x), pad(x, {2, 2, 2, 2}, PadMode::Reflect)));
  CHECK(equal(ReplicationPad2d({0, 3, 1, 0})(x), pad(x, {0, 3, 1, 0}, PadMode::Replicate)));
  CHECK(MaxPool2d(2)(randn({3, 6, 7})).shape() == Shape{3, 3, 3});  // (C, H, W)
}

TEST_CASE("Dropout2d zeroes whole channels, scales the rest by 1 / (1 - p), and is the identity in eval") {
  Generator gen(7);
  Dropout2d drop(0.25, gen);
  Tensor x = ones({64, 32, 3, 2}, {.dtype = kFloat64, .requires_grad = true});
  Tensor y = drop(x);
  // Each channel is all 0 or all 4/3.
  Tensor per_channel_max = amax(y.detach(), {2, 3}), per_channel_min = amin(y.detach(), {2, 3});
  CHECK(equal(per_channel_max, per_channel_min));
  Tensor kept = (per_channel_max > 0.0).to(kFloat64);
  CHECK(allclose(per_channel_max, kept * (1 / 0.75)));
  double kept_fraction = kept.mean().item();
  CHECK(kept_fraction == doctest::Approx(0.75).epsilon(0.05));  // 2048 channels
  y.sum().backward();
  CHECK(equal(x.grad(), y.detach()));  // dy/dx is the mask itself
  drop.eval();
  CHECK(equal(drop(x), x));
  // 3-D input: PyTorch 1.13 reads it as (N, C, L) and drops (n, c) rows.
  Tensor z = F::dropout2d(ones({8, 16, 5}), 0.5, true, gen);
  CHECK(equal(amax(z, {2}), amin(z, {2})));
  CHECK(equal(F::dropout2d(ones({2, 3, 4, 4}), 1.0), zeros({2, 3, 4, 4})));
  CHECK(equal(F::dropout2d(x, 0.0).detach(), x.detach()));
  // The same seed gives the same masks.
  Generator a(3), b(3);
  CHECK(equal(F::dropout2d(ones({4, 8, 2, 2}), 0.5, true, a), F::dropout2d(ones({4, 8, 2, 2}), 0.5, true, b)));
}

TEST_CASE("gradcheck dropout2d (the same mask each call: a generator seeded inside)") {
  Generator g(1);
  Tensor x = randn({3, 4, 2, 3}, {.dtype = kFloat64, .requires_grad = true}, g);
  auto f = [](const std::vector<Tensor>& v) {
    Generator mask(9);
    return F::dropout2d(v[0], 0.4, true, mask);
  };
  CHECK(gradcheck(f, {x}));
  CHECK(gradcheck([&](const std::vector<Tensor>& v) { return f({v[0].permute({0, 1, 3, 2})}); }, {x}));  // non-contiguous
}

TEST_CASE("2-D layers: errors name the layer and the shapes") {
  CHECK_THROWS_WITH_AS(MaxPool2d(2)(zeros({4, 4})),
                       "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False): expected a 3D "
                       "(C, H, W) or 4D (N, C, H, W) input, got 2D input of shape [4, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(AvgPool2d(2)(zeros({1, 2, 3, 4, 5})), doctest::Contains("AvgPool2d(kernel_size=2, stride=2, padding=0): expected a 3D"), Error);
  CHECK_THROWS_WITH_AS(AdaptiveAvgPool2d(2)(zeros({4})), doctest::Contains("got 1D input of shape [4]"), Error);
  CHECK_THROWS_WITH_AS(Upsample({.size = 4})(zeros({2, 4, 4})),
                       "Upsample(size=4, mode=nearest): expected a 4D (N, C, H, W) input, got 3D input of shape [2, 4, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(Upsample({}), "Upsample: give exactly one of size and scale_factor", Error);
  CHECK_THROWS_WITH_AS(Upsample({.size = 4, .align_corners = true}), "Upsample: align_corners only applies to bilinear mode",
                       Error);
  CHECK_THROWS_WITH_AS(ReflectionPad2d(1)(zeros({5})),
                       "ReflectionPad2d((1, 1, 1, 1)): expected a 3D (C, H, W) or 4D (N, C, H, W) input, got 1D input "
                       "of shape [5]",
                       Error);
  CHECK_THROWS_WITH_AS(ReflectionPad2d(3)(zeros({1, 3, 3})), doctest::Contains("pad: reflect padding (3, 3) of dim 2"), Error);
  CHECK_THROWS_WITH_AS(Dropout2d(0.5)(zeros({2, 3})),
                       "Dropout2d(p=0.5, inplace=False): expected a 3D (N, C, L) or 4D (N, C, H, W) input, got 2D input "
                       "of shape [2, 3]",
                       Error);
  CHECK_THROWS_WITH_AS(Dropout2d(1.5), "Dropout2d: p must be a probability in [0, 1], got 1.5", Error);
  CHECK_THROWS_WITH_AS(F::dropout2d(zeros({2, 3, 4, 4}, {.dtype = kInt64}), 0.5),
                       "dropout2d: input must be float32 or float64, got int64", Error);
  CHECK_THROWS_WITH_AS(F::dropout2d(zeros({2, 3}), 0.5), "dropout2d: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape (2, 3)",
                       Error);
}
