#include <doctest/doctest.h>

#include <sstream>

#include "muse/muse.h"

using namespace muse;

namespace {
std::string show(const Tensor& t) {
  std::ostringstream out;
  out << t;
  return out.str();
}
}  // namespace

TEST_CASE("print: values, shape and dtype like PyTorch") {
  CHECK(show(tensor({{1, 2}, {3, 4}})) == "tensor([[1., 2.],\n        [3., 4.]], shape=(2, 2), dtype=float32)");
  CHECK(show(tensor({0.5, -1.25})) == "tensor([ 0.5000, -1.2500], shape=(2,), dtype=float32)");
  CHECK(show(scalar_tensor(3, {.dtype = kInt64})) == "tensor(3, shape=(), dtype=int64)");
  CHECK(show(tensor({1, 0}).to(kBool)) == "tensor([ True, False], shape=(2,), dtype=bool)");
  CHECK(show(tensor({1e-6, 1})) == "tensor([1.0000e-06, 1.0000e+00], shape=(2,), dtype=float32)");
  Tensor x = ones({2}, {.requires_grad = true});
  CHECK(show(x) == "tensor([1., 1.], shape=(2,), dtype=float32, requires_grad=True)");
  CHECK(show(x * 2) == "tensor([2., 2.], shape=(2,), dtype=float32, grad_fn=<mul>)");
  CHECK(show(Tensor()) == "tensor(undefined)");
}

TEST_CASE("print: large tensors are abbreviated") {
  std::string s = show(arange(2000, {.dtype = kInt64}));
  CHECK(s == "tensor([   0,    1,    2, ..., 1997, 1998, 1999], shape=(2000,), dtype=int64)");
  std::string m = show(zeros({100, 100}));
  CHECK(m.find("...") != std::string::npos);
  CHECK(m.size() < 400);
}
