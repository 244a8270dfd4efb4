// CUDA against CPU: the helpers every test of the cuda suite uses. An op runs on CPU inputs and on the
// same values moved to the GPU; outputs and input gradients (for one random upstream gradient) must
// agree within a tolerance: |gpu - cpu| <= atol + rtol |cpu|, NaN where the CPU has NaN.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "muse/muse.h"

namespace cudatest {

// Elementwise: |gpu - cpu| <= atol + rtol |cpu|. Norm-wise: ||gpu - cpu|| <= rtol ||cpu|| (2-norms),
// for results that are sums of many float32 products (matmul), where one element can cancel down to
// a value far smaller than the rounding of the terms that made it.
struct Tol {
  double rtol, atol;
  bool normwise = false;
};
// Elementwise float32: the same functors on both sides, rounding apart only where the compilers fuse
// multiply-adds differently. Reductions and softmax: a different order of summation (both sides sum
// floats in double). Matmul: float32 products summed in float32 in a different order.
inline constexpr Tol kElementwise{1.3e-6, 1e-5};
inline constexpr Tol kReduction{1e-4, 1e-5};
inline constexpr Tol kMatmul{1e-4, 0, true};
inline constexpr Tol kExact{0, 0};

// "" when gpu (any device) and cpu agree within tol, else where and by how much they differ first.
std::string mismatch(const muse::Tensor& gpu, const muse::Tensor& cpu, Tol tol);

// Normal random values on the CPU (seeded, so every run tests the same numbers).
muse::Tensor random(const muse::Shape& shape, uint64_t seed, muse::DType dtype = muse::kFloat32);

using Fn = std::function<muse::Tensor(const std::vector<muse::Tensor>&)>;

// Runs f on CPU leaves made from `inputs` and on GPU leaves with the same values; checks the output,
// then (when grads and the output is floating) backpropagates one random gradient through both and
// checks every floating input's gradient. name labels the failure.
void check_op(const std::string& name, const Fn& f, const std::vector<muse::Tensor>& inputs, Tol tol,
              bool grads = true);

// The sizes that catch the off-by-ones: a single element, less than a warp, just under a power of two,
// just over one.
inline const std::vector<int64_t> kSizes = {1, 7, 1023, 4097};

}  // namespace cudatest
