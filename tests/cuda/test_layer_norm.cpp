// The fused layer normalization on the GPU against the CPU: values and the gradients of x, weight and
// bias at awkward row counts and lengths (both the warp-per-row and the block-per-row kernels, and
// enough rows that dweight / dbias are summed in several parts), with and without weight and bias,
// two normalized dims, non-contiguous x, float64, the backend's "empty Array: not wanted" convention,
// and the device-mismatch error.
#include <doctest/doctest.h>

#include "autograd/node.h"
#include "compare.h"
#include "tensor/backend.h"

using namespace muse;
using namespace cudatest;

TEST_CASE("cuda: layer_norm forward and backward") {
  for (int64_t R : {1, 7, 300}) {
    for (int64_t N : kSizes) {
      std::string label = str("layer_norm R ", R, " N ", N);
      // x of mean 2 so that the centering matters.
      Tensor x = random({R, N}, R * 10000 + N) + 2.0, w = random({N}, N + 1), b = random({N}, N + 2);
      check_op(label, [N](const auto& v) { return layer_norm(v[0], {N}, v[1], v[2]); }, {x, w, b}, kReduction);
      check_op(label + " no affine", [N](const auto& v) { return layer_norm(v[0], {N}); }, {x}, kReduction);
      check_op(label + " weight only", [N](const auto& v) { return layer_norm(v[0], {N}, v[1]); }, {x, w}, kReduction);
    }
  }
  check_op("layer_norm of 2 dims", [](const auto& v) { return layer_norm(v[0], {3, 33}, v[1], v[2]); },
           {random({5, 3, 33}, 1), random({3, 33}, 2), random({3, 33}, 3)}, kReduction);
  check_op("layer_norm of transposed x", [](const auto& v) { return layer_norm(v[0].t(), {65}, v[1], v[2]); },
           {random({65, 9}, 4), random({65}, 5), random({65}, 6)}, kReduction);
  check_op("layer_norm float64", [](const auto& v) { return layer_norm(v[0], {1023}, v[1], v[2]); },
           {random({9, 1023}, 7, kFloat64), random({1023}, 8, kFloat64), random({1023}, 9, kFloat64)}, {1e-11, 1e-12});
}

TEST_CASE("cuda: layer_norm_backward with dx, dweight or dbias left out") {
  int64_t R = 37, N = 1023;
  Tensor x = random({R, N}, 11), w = random({N}, 12), dy = random({R, N}, 13);
  for (int mask = 1; mask < 8; ++mask) {
    std::vector<Tensor> results;
    for (Device d : {kCPU, kCUDA}) {
      Backend& be = backend(d);
      Array xa = array(x.to(d)), wa = array(w.to(d)), dya = array(dy.to(d));
      Array y = Array::empty({R, N}, kFloat32, d), mean = Array::empty({R}, kFloat32, d);
      Array rstd = Array::empty({R}, kFloat32, d);
      be.layer_norm_forward(xa, wa, Array(), 1e-5, y, mean, rstd);
      Array dx = mask & 1 ? Array::empty({R, N}, kFloat32, d) : Array();
      Array dw = mask & 2 ? Array::empty({N}, kFloat32, d) : Array();
      Array db = mask & 4 ? Array::empty({N}, kFloat32, d) : Array();
      be.layer_norm_backward(xa, wa, mean, rstd, dya, dx, dw, db);
      std::vector<Tensor> parts = {wrap(mean).to(kCPU), wrap(rstd).to(kCPU)};
      for (const Array& a : {dx, dw, db})
        if (a.defined()) parts.push_back(wrap(a).to(kCPU).reshape({-1}));
      results.push_back(cat(parts, 0));
    }
    CAPTURE(mask);
    std::string diff = mismatch(results[1], results[0], kReduction);
    CHECK_MESSAGE(diff.empty(), diff);
  }
}

TEST_CASE("cuda: layer_norm with inputs on two devices") {
  CHECK_THROWS_WITH_AS(layer_norm(zeros({3, 8}).to(kCUDA), {8}, ones({8})),
                       doctest::Contains("layer_norm: tensors are on different devices"), Error);
}
