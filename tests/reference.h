// Comparing a tensor with reference values stored as a flat list (the generated *_reference.h headers).
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "muse/muse.h"

// Every element of got (read in float64, row-major) equals want to relative precision tol.
inline void check_close(const muse::Tensor& got, const std::vector<double>& want, double tol) {
  std::vector<double> g = got.detach().to(muse::kFloat64).contiguous().to_vector<double>();
  REQUIRE(g.size() == want.size());
  for (size_t i = 0; i < g.size(); ++i) {
    CAPTURE(i);
    CHECK(g[i] == doctest::Approx(want[i]).epsilon(tol).scale(1));
  }
}
