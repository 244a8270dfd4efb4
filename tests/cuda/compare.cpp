#include "compare.h"

#include <doctest/doctest.h>

#include <cmath>

namespace cudatest {

using namespace muse;

std::string mismatch(const Tensor& gpu, const Tensor& cpu, Tol tol) {
  if (!gpu.defined() || !cpu.defined()) return gpu.defined() == cpu.defined() ? "" : "one side undefined";
  if (gpu.shape() != cpu.shape()) return str("shapes differ: ", gpu.shape(), " vs ", cpu.shape());
  if (gpu.dtype() != cpu.dtype()) return str("dtypes differ: ", gpu.dtype(), " vs ", cpu.dtype());
  std::vector<double> g = gpu.detach().to(kCPU).to(kFloat64).to_vector<double>();
  std::vector<double> c = cpu.detach().to(kFloat64).to_vector<double>();
  if (tol.normwise) {
    double diff = 0, ref = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      if (std::isnan(c[i]) != std::isnan(g[i])) return str("element ", i, ": gpu ", g[i], " cpu ", c[i]);
      if (std::isnan(c[i])) continue;
      diff += (g[i] - c[i]) * (g[i] - c[i]);
      ref += c[i] * c[i];
    }
    if (std::sqrt(diff) <= tol.rtol * std::sqrt(ref)) return "";
    return str("relative 2-norm error ", std::sqrt(diff / ref), " > ", tol.rtol);
  }
  for (size_t i = 0; i < c.size(); ++i) {
    bool ok = std::isnan(c[i]) ? std::isnan(g[i])
                               : (g[i] == c[i] || std::abs(g[i] - c[i]) <= tol.atol + tol.rtol * std::abs(c[i]));
    if (!ok) return str("element ", i, " of ", c.size(), ": gpu ", g[i], " cpu ", c[i], " (diff ", g[i] - c[i], ")");
  }
  return "";
}

Tensor random(const Shape& shape, uint64_t seed, DType dtype) {
  Generator gen(seed);
  return randn(shape, {.dtype = dtype}, gen);
}

void check_op(const std::string& name, const Fn& f, const std::vector<Tensor>& inputs, Tol tol, bool grads) {
  std::vector<Tensor> cpu, gpu;
  for (const Tensor& t : inputs) {
    bool leaf = grads && t.is_floating_point();
    cpu.push_back(t.detach().clone().requires_grad_(leaf));
    gpu.push_back(t.detach().to(kCUDA).requires_grad_(leaf));
  }
  Tensor yc = f(cpu), yg = f(gpu);
  INFO(name);
  CHECK(yg.device() == kCUDA);
  std::string forward = mismatch(yg, yc, tol);
  CHECK_MESSAGE(forward.empty(), name, " forward: ", forward);
  if (!grads || !yc.requires_grad()) return;
  Tensor dy = random(yc.shape(), 99, yc.dtype());
  yc.backward(dy);
  yg.backward(dy.to(kCUDA));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!cpu[i].requires_grad()) continue;
    CHECK(cpu[i].grad().defined() == gpu[i].grad().defined());
    if (gpu[i].grad().defined()) CHECK(gpu[i].grad().device() == kCUDA);
    std::string backward = mismatch(gpu[i].grad(), cpu[i].grad(), tol);
    CHECK_MESSAGE(backward.empty(), name, " gradient of input ", i, ": ", backward);
  }
}

}  // namespace cudatest
