// clip_grad_norm_ and clip_grad_value_ (muse/nn/utils.h) against PyTorch 1.13's values for the
// gradients of make_reference.py, and against hand-computed norms.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "helpers.h"
#include "muse/nn/utils.h"

using namespace muse;
using namespace optim_test;
using muse::nn::utils::clip_grad_norm_;
using muse::nn::utils::clip_grad_value_;

namespace {

// Three parameters, (3,), (2, 2) and (4,), with ref::kClipGrads as their gradients.
std::vector<Tensor> with_grads(DType dtype) {
  std::vector<Tensor> params;
  size_t at = 0;
  for (Shape s : {Shape{3}, Shape{2, 2}, Shape{4}}) {
    params.push_back(zeros(s, {.dtype = dtype, .requires_grad = true}));
    std::vector<double> g(ref::kClipGrads.begin() + at, ref::kClipGrads.begin() + at + s.numel());
    params.back().mutable_grad() = from_vector(g, s, {.dtype = dtype});
    at += s.numel();
  }
  return params;
}

std::vector<double> grads_of(const std::vector<Tensor>& params) {
  std::vector<double> out;
  for (const Tensor& p : params) append(out, p.grad());
  return out;
}

}  // namespace

TEST_CASE("clip_grad_norm_: total norm and clipped gradients against PyTorch 1.13") {
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    double max_norm, norm_type;
    const std::vector<double>& torch32;
    const std::vector<double>& torch64;
  };
  for (const Case& c : {Case{1.0, 2.0, ref::kClipL232, ref::kClipL264},
                        Case{100.0, 2.0, ref::kClipL2Loose32, ref::kClipL2Loose64},
                        Case{0.5, inf, ref::kClipInf32, ref::kClipInf64},
                        Case{2.0, 1.0, ref::kClipL132, ref::kClipL164}}) {
    CAPTURE(c.norm_type);
    CAPTURE(c.max_norm);
    for (DType dtype : {kFloat32, kFloat64}) {
      std::vector<Tensor> params = with_grads(dtype);
      double total = clip_grad_norm_(params, c.max_norm, c.norm_type);
      const std::vector<double>& want = dtype == kFloat32 ? c.torch32 : c.torch64;
      const double eps = dtype == kFloat32 ? 1e-6 : 1e-14;
      CHECK(total == doctest::Approx(want[0]).epsilon(eps));
      check_close(grads_of(params), std::vector<double>(want.begin() + 1, want.end()), eps);
    }
  }
  // By hand: the 2-norm of all 11 gradient values, and the largest |g|.
  double sq = 0, largest = 0;
  for (double g : ref::kClipGrads) sq += g * g, largest = std::max(largest, std::abs(g));
  std::vector<Tensor> params = with_grads(kFloat64);
  CHECK(clip_grad_norm_(params, 1e9) == doctest::Approx(std::sqrt(sq)).epsilon(1e-15));
  CHECK(grads_of(params) == ref::kClipGrads);  // a coefficient >= 1 leaves the gradients alone
  CHECK(clip_grad_norm_(params, 1e9, inf) == largest);
}

TEST_CASE("clip_grad_norm_: skipped parameters, non-finite norms and errors") {
  Tensor no_grad = zeros({2}, {.requires_grad = true});
  CHECK(clip_grad_norm_({no_grad}, 1.0) == 0);
  std::vector<Tensor> params = with_grads(kFloat32);
  params.push_back(no_grad);
  CHECK(clip_grad_norm_(params, 1.0) == doctest::Approx(ref::kClipL232[0]).epsilon(1e-6));

  std::vector<Tensor> bad = with_grads(kFloat32);
  bad[1].mutable_grad() = full({2, 2}, std::nan(""));
  CHECK_ERROR(clip_grad_norm_(bad, 1.0, 2, true),
              "clip_grad_norm_: the total norm of order 2 of the gradients is nan");
  CHECK(!std::isnan(bad[0].grad()[0].item()));  // the error comes before any scaling
  CHECK(std::isnan(clip_grad_norm_(bad, 1.0)));
  CHECK(std::isnan(bad[0].grad()[0].item()));  // scaled by the NaN coefficient, as PyTorch does
  CHECK_ERROR(clip_grad_norm_(params, -1), "clip_grad_norm_: max_norm must be >= 0, got -1");
  CHECK_ERROR(clip_grad_norm_(params, 1, 0), "clip_grad_norm_: norm_type must be positive");
  CHECK_ERROR(clip_grad_norm_({Tensor()}, 1), "clip_grad_norm_: parameter 0 is an undefined tensor");
}

TEST_CASE("clip_grad_value_") {
  std::vector<Tensor> params = with_grads(kFloat64);
  clip_grad_value_(params, 1.0);
  std::vector<double> want;
  for (double g : ref::kClipGrads) want.push_back(std::clamp(g, -1.0, 1.0));
  CHECK(grads_of(params) == want);
  CHECK_ERROR(clip_grad_value_(params, -0.5), "clip_grad_value_: clip_value must be >= 0, got -0.5");
}
