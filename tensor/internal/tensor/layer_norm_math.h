// The per-element math of the fused layer normalization, shared by the CPU kernel and the CUDA one.
// A row is N numbers x_j; its statistics are the mean and the reciprocal standard deviation
//   mu = sum_j x_j / N    var = sum_j (x_j - mu)^2 / N (biased)    rstd = 1 / sqrt(var + eps)
// and the kernels sum in an accumulator type A (double on the CPU; T or double on the GPU).
// Reference: Ba, Kiros & Hinton, "Layer Normalization" (2016); torch.nn.functional.layer_norm.
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/hd.h"

namespace muse {

// rstd = 1 / sqrt(var + eps) from the sum of squared deviations of n elements.
template <class A>
MUSE_HD A layer_norm_rstd(A sum_squared_deviations, int64_t n, double eps) {
  return A(1) / std::sqrt(sum_squared_deviations / A(n) + A(eps));
}

// Forward of one element: x^ = (x - mu) * rstd,  y = x^ * w + b (w = 1, b = 0 when absent).
template <class T>
MUSE_HD T layer_norm_element(T x, T mu, T rstd, T w, T b) {
  return (x - mu) * rstd * w + b;
}

// Backward of one element. With g = dy * w and x^ as above, y depends on x_j through x^_j and, via
// mu and rstd, on every x^_i of the row; differentiating (using sum_i x^_i = 0, sum_i x^_i^2 = N):
//   dx_j = rstd * (g_j - mean(g) - x^_j * mean(g * x^))
// where the two means run over the row and are computed first (mean_g, mean_gx).
template <class T>
MUSE_HD T layer_norm_dx_element(T g, T xhat, T rstd, T mean_g, T mean_gx) {
  return rstd * (g - mean_g - xhat * mean_gx);
}

}  // namespace muse
