// gradcheck: the Jacobian from backward() against central finite differences,
//   J_num[j][i] = (f(x + eps e_i)[j] - f(x - eps e_i)[j]) / (2 eps),
// with one backward pass per output element j (a one-hot gradient) for J_ana.
#include "muse/gradcheck.h"

#include <cmath>
#include <unordered_set>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse {
namespace {

std::set<std::string>& covered() {
  static std::set<std::string> names;
  return names;
}

// Address of the flat (row-major) element i of a strided float64 tensor.
double& element(const Tensor& t, int64_t i) {
  const Array& a = array(t);
  int64_t offset = 0;
  for (int64_t d = a.ndim() - 1; d >= 0; --d) {
    offset += (i % a.shape[d]) * a.strides[d];
    i /= a.shape[d];
  }
  return a.data<double>()[offset];
}

std::vector<double> evaluate(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                             const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  return f(inputs).contiguous().to_vector<double>();
}

// The names of every node in the graph behind t.
void collect_ops(const Tensor& t) {
  if (!t.impl()->grad_fn) return;
  std::vector<Node*> stack{t.impl()->grad_fn.get()};
  std::unordered_set<Node*> seen;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    covered().insert(n->name);
    for (const Edge& e : n->inputs)
      if (e.node) stack.push_back(e.node.get());
  }
}

}  // namespace

const std::set<std::string>& gradchecked_ops() { return covered(); }

bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
               GradcheckOptions opt) {
  for (size_t k = 0; k < inputs.size(); ++k) {
    check_defined("gradcheck", inputs[k]);
    check(!inputs[k].requires_grad() || (inputs[k].dtype() == kFloat64 && inputs[k].is_leaf()),
          "gradcheck: input ", k, " requires grad but is not a float64 leaf (", inputs[k].dtype(), ")");
  }
  Tensor y = f(inputs);
  check(y.dtype() == kFloat64, "gradcheck: the function must return float64, got ", y.dtype());
  check(y.requires_grad(), "gradcheck: the output does not require grad; no input reaches it");
  int64_t m = y.numel();

  // Analytical Jacobian, row j from a backward pass of the one-hot gradient e_j.
  std::vector<std::vector<std::vector<double>>> ana(inputs.size());
  for (int64_t j = 0; j < m; ++j) {
    for (const Tensor& x : inputs)
      if (x.requires_grad()) const_cast<Tensor&>(x).mutable_grad() = Tensor();
    Tensor onehot = zeros(y.shape(), {.dtype = kFloat64});
    element(onehot, j) = 1;
    y.backward(onehot, /*retain_graph=*/true);
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (!inputs[k].requires_grad()) continue;
      const Tensor& g = inputs[k].grad();
      ana[k].push_back(g.defined() ? g.contiguous().to_vector<double>() : std::vector<double>(inputs[k].numel(), 0));
    }
  }

  // Numerical Jacobian, column i from perturbing element i of each input.
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    for (int64_t i = 0; i < inputs[k].numel(); ++i) {
      double& xi = element(inputs[k], i);
      double saved = xi;
      xi = saved + opt.eps;
      std::vector<double> plus = evaluate(f, inputs);
      xi = saved - opt.eps;
      std::vector<double> minus = evaluate(f, inputs);
      xi = saved;
      for (int64_t j = 0; j < m; ++j) {
        double num = (plus[j] - minus[j]) / (2 * opt.eps), a = ana[k][j][i];
        check(std::abs(a - num) <= opt.atol + opt.rtol * std::abs(num), "gradcheck: Jacobian mismatch for input ",
              k, " (shape ", inputs[k].shape(), ") element ", i, ", output element ", j, " of ", y.grad_fn_name(),
              ": analytical ", a, " vs numerical ", num);
      }
    }
  }
  for (const Tensor& x : inputs)
    if (x.requires_grad()) const_cast<Tensor&>(x).mutable_grad() = Tensor();
  collect_ops(y);
  return true;
}

}  // namespace muse
