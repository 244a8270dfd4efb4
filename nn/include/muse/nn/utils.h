// Gradient clipping, as torch.nn.utils. Both change the .grad of the given parameters in place
// (parameters without a gradient are skipped) and record no graph. Call them between backward()
// and the optimizer's step().
#pragma once

#include <vector>

#include "muse/tensor.h"

namespace muse::nn::utils {

// Scales every gradient by max_norm / (total + 1e-6) when that is below 1, where total is the
// norm_type-norm of all the gradients taken together as one vector:
//   total = (sum_i ||g_i||^p)^(1/p),   p = infinity: total = max_i max |g_i|.
// Returns total (0 when no parameter has a gradient). A NaN or infinite total is a muse::Error when
// error_if_nonfinite, else the gradients are scaled by the non-finite coefficient, as in PyTorch.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2,
                       bool error_if_nonfinite = false);

// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace muse::nn::utils
