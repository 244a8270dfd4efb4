// The per-element math of the fused optimizer steps, shared by the CPU kernels and (later) the CUDA
// ones. Reference: Kingma & Ba, "Adam" (2015); Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization" (AdamW, 2019); Reddi et al., "On the Convergence of Adam and Beyond" (AMSGrad, 2018).
#pragma once

#include <cmath>

#include "tensor/backend.h"
#include "tensor/hd.h"

namespace muse {

// One Adam step for one element, at step t (a.bias_correction1 = 1 - beta1^t, bias_correction2 =
// 1 - beta2^t), in the order of PyTorch 1.13's single-tensor Adam / AdamW:
//   AdamW:  p <- p * (1 - lr * wd)                       (decoupled decay, before the step)
//   Adam:   g <- g + wd * p                              (L2 penalty added to the gradient)
//   m <- beta1 * m + (1 - beta1) * g                     (first moment)
//   v <- beta2 * v + (1 - beta2) * g^2                   (second moment)
//   AMSGrad: vmax <- max(vmax, v), and vmax replaces v below
//   denom = sqrt(v) / sqrt(bc2) + eps
//   p <- p - (lr / bc1) * m / denom
// Both weight decays are skipped when wd = 0, as in PyTorch. The scalars are rounded to T once (the
// compiler hoists them out of the kernel loop) and the element math runs in T, so float32 vectorises.
// max keeps a NaN second moment: (vmax >= v) is false when v is NaN.
template <class T>
MUSE_HD inline void adam_element(T& p, T g, T& m, T& v, T* vmax, const AdamParams& a) {
  if (a.weight_decay != 0) {
    if (a.decoupled) p = p * T(1 - a.lr * a.weight_decay);
    else g = g + T(a.weight_decay) * p;
  }
  m = m * T(a.beta1) + T(1 - a.beta1) * g;
  v = v * T(a.beta2) + T(1 - a.beta2) * g * g;
  T second = v;
  if (vmax != nullptr) {
    *vmax = *vmax >= v ? *vmax : v;
    second = *vmax;
  }
  T denom = std::sqrt(second) / T(std::sqrt(a.bias_correction2)) + T(a.eps);
  p = p - T(a.lr / a.bias_correction1) * m / denom;
}

}  // namespace muse
