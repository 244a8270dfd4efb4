// Shared by the optimizer tests: the quadratic test problem of make_reference.py and comparisons.
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "muse/muse.h"
#include "reference_values.h"

// expr throws a muse::Error whose message contains `message`.
#define CHECK_ERROR(expr, message) CHECK_THROWS_WITH_AS(expr, doctest::Contains(message), muse::Error)

namespace optim_test {

// sum(c * p^2 / 2 + d * p), whose gradient is c * p + d.
inline muse::Tensor quadratic(const muse::Tensor& p, const std::vector<double>& c,
                              const std::vector<double>& d) {
  muse::TensorOptions o{.dtype = p.dtype()};
  muse::Shape s{int64_t(c.size())};
  return (muse::from_vector(c, s, o) * p * p / 2 + muse::from_vector(d, s, o) * p).sum();
}

inline muse::Tensor parameter(const std::vector<double>& values, muse::DType dtype) {
  return muse::from_vector(values, {int64_t(values.size())}, {.dtype = dtype, .requires_grad = true});
}

inline std::vector<double> values(const muse::Tensor& t) { return t.to(muse::kFloat64).to_vector<double>(); }

inline void append(std::vector<double>& out, const muse::Tensor& t) {
  std::vector<double> v = values(t);
  out.insert(out.end(), v.begin(), v.end());
}

// Equal to relative precision eps (doctest's Approx: |a - b| < eps * (1 + max(|a|, |b|))).
inline void check_close(const std::vector<double>& got, const std::vector<double>& want, double eps) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element ", i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(eps));
  }
}

}  // namespace optim_test
