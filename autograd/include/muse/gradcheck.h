// gradcheck: compares the gradients backward() computes with central finite differences, as
// torch.autograd.gradcheck does. Inputs must be float64 leaves; every input that requires grad is
// perturbed element by element, and the Jacobian is compared for every output element:
//   |analytical - numerical| <= atol + rtol * |numerical|.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "muse/tensor.h"

namespace muse {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

// Throws muse::Error describing the first mismatch (input, element, both values); returns true
// otherwise, so tests can write CHECK(gradcheck(...)).
bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
               const std::vector<Tensor>& inputs, GradcheckOptions options = {});

// The names of every op whose backward a gradcheck in this process has run (for coverage tests).
const std::set<std::string>& gradchecked_ops();

}  // namespace muse
