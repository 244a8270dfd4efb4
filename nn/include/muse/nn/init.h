// Parameter initialisation with PyTorch's formulas (torch.nn.init), drawing from a seeded Generator.
// Each function fills its tensor in place (no graph is recorded) and returns it.
//   xavier (Glorot & Bengio, 2010):  Var = gain^2 * 2 / (fan_in + fan_out)
//   kaiming (He et al., 2015):       Var = gain^2 / fan,  fan = fan_in or fan_out
// A uniform(-b, b) has variance b^2 / 3, hence the sqrt(3) in the uniform bounds.
#pragma once

#include <string_view>
#include <utility>

#include "muse/tensor.h"

namespace muse::nn::init {

// The recommended gain for a nonlinearity: linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4.
double calculate_gain(std::string_view nonlinearity, double param = 0.01);
// (fan_in, fan_out) of a weight of shape (out, in, k...): in * prod(k), out * prod(k).
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& weight);

Tensor& uniform_(Tensor& t, double low = 0, double high = 1, Generator& gen = default_generator());
Tensor& normal_(Tensor& t, double mean = 0, double std = 1, Generator& gen = default_generator());
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
Tensor& xavier_uniform_(Tensor& t, double gain = 1, Generator& gen = default_generator());
Tensor& xavier_normal_(Tensor& t, double gain = 1, Generator& gen = default_generator());
// mode "fan_in" or "fan_out"; a is the leaky_relu slope when nonlinearity is "leaky_relu".
Tensor& kaiming_uniform_(Tensor& t, double a = 0, std::string_view mode = "fan_in",
                         std::string_view nonlinearity = "leaky_relu", Generator& gen = default_generator());
Tensor& kaiming_normal_(Tensor& t, double a = 0, std::string_view mode = "fan_in",
                        std::string_view nonlinearity = "leaky_relu", Generator& gen = default_generator());

}  // namespace muse::nn::init
