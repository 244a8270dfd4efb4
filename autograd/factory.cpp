// Creating tensors: constant fills, ranges, from values, and random draws from a seeded Generator.
#include <cmath>
#include <cstring>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

Tensor finish(Array a, const TensorOptions& o) {
  Tensor t = wrap(std::move(a));
  if (o.requires_grad) t.requires_grad_(true);
  return t;
}

TensorOptions like(const Tensor& t, const std::optional<TensorOptions>& o) {
  check_defined("*_like", t);
  return o ? *o : TensorOptions{.dtype = t.dtype(), .device = t.device()};
}

}  // namespace

Tensor empty(const Shape& shape, TensorOptions o) {
  return finish(Array::empty(shape, o.dtype, o.device), o);
}

Tensor full(const Shape& shape, double value, TensorOptions o) {
  Array a = Array::empty(shape, o.dtype, o.device);
  backend(o.device).fill(a, value);
  return finish(a, o);
}

Tensor zeros(const Shape& shape, TensorOptions o) { return full(shape, 0, o); }
Tensor ones(const Shape& shape, TensorOptions o) { return full(shape, 1, o); }
Tensor empty_like(const Tensor& t, std::optional<TensorOptions> o) { return empty(t.shape(), like(t, o)); }
Tensor zeros_like(const Tensor& t, std::optional<TensorOptions> o) { return zeros(t.shape(), like(t, o)); }
Tensor ones_like(const Tensor& t, std::optional<TensorOptions> o) { return ones(t.shape(), like(t, o)); }
Tensor full_like(const Tensor& t, double v, std::optional<TensorOptions> o) { return full(t.shape(), v, like(t, o)); }
Tensor scalar_tensor(double value, TensorOptions o) { return full(Shape(), value, o); }

Tensor arange(double end, TensorOptions o) { return arange(0, end, 1, o); }

// ceil((end - start) / step) values start, start + step, ...
Tensor arange(double start, double end, double step, TensorOptions o) {
  check(step != 0, "arange: step must be nonzero");
  check(std::isfinite(start) && std::isfinite(end) && std::isfinite(step), "arange: start ", start, ", end ", end,
        " and step ", step, " must be finite");
  check((end - start) * step >= 0, "arange: end ", end, " cannot be reached from start ", start, " with step ",
        step);
  double count = std::ceil((end - start) / step);
  check(count < 9.0e15, "arange: start ", start, ", end ", end, " and step ", step, " give ", count,
        " elements, too many");
  int64_t n = static_cast<int64_t>(count);
  Array a = Array::empty({n}, o.dtype, o.device);
  backend(o.device).iota(a, start, step);
  return finish(a, o);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions o) {
  check(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  Array a = Array::empty({steps}, o.dtype, o.device);
  backend(o.device).iota(a, start, steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0);
  return finish(a, o);
}

Tensor eye(int64_t n, std::optional<int64_t> m, TensorOptions o) {
  int64_t cols = m.value_or(n);
  check(n >= 0 && cols >= 0, "eye: sizes must be non-negative, got ", n, " and ", cols);
  Tensor t = zeros({n, cols}, {.dtype = o.dtype, .device = o.device});
  const Array& a = array(t);
  backend(o.device).fill(a.as_strided({std::min(n, cols)}, {cols + 1}, 0), 1);
  if (o.requires_grad) t.requires_grad_(true);
  return t;
}

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions o) {
  check(static_cast<int64_t>(values.size()) == shape.numel(), "from_vector: ", values.size(),
        " values cannot fill shape ", shape, " (", shape.numel(), " elements)");
  Array src = Array::empty(shape, dtype_of<T>::value, kCPU);
  if (!values.empty()) std::memcpy(src.raw(), values.data(), values.size() * sizeof(T));
  if (o.dtype == src.dtype && o.device == kCPU) return finish(src, o);
  Array out = Array::empty(shape, o.dtype, o.device);
  copy_across_devices(src, out);
  return finish(out, o);
}
template Tensor from_vector(const std::vector<float>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<double>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<int64_t>&, const Shape&, TensorOptions);

Tensor tensor(std::initializer_list<Number> values, TensorOptions o) {
  std::vector<double> v;
  for (Number n : values) v.push_back(n.value);
  return from_vector(v, {static_cast<int64_t>(v.size())}, o);
}

Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, TensorOptions o) {
  int64_t r = rows.size(), c = r ? rows.begin()->size() : 0;
  std::vector<double> values;
  for (const auto& row : rows) {
    check(static_cast<int64_t>(row.size()) == c, "tensor: rows must all have ", c, " values, got a row of ",
          row.size());
    values.insert(values.end(), row.begin(), row.end());
  }
  return from_vector(values, {r, c}, o);
}

Tensor rand(const Shape& shape, TensorOptions o, Generator& gen) {
  check(is_floating(o.dtype), "rand: dtype must be floating-point, got ", o.dtype);
  Array a = Array::empty(shape, o.dtype, o.device);
  backend(o.device).uniform(a, gen, 0, 1);
  return finish(a, o);
}

Tensor randn(const Shape& shape, TensorOptions o, Generator& gen) {
  check(is_floating(o.dtype), "randn: dtype must be floating-point, got ", o.dtype);
  Array a = Array::empty(shape, o.dtype, o.device);
  backend(o.device).normal(a, gen, 0, 1);
  return finish(a, o);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions o, Generator& gen) {
  check(low < high, "randint: low ", low, " must be less than high ", high);
  check(o.dtype != kBool, "randint: dtype must be numeric, got bool");
  Array a = Array::empty(shape, o.dtype, o.device);
  backend(o.device).randint(a, gen, low, high);
  return finish(a, o);
}

Tensor bernoulli(const Shape& shape, double p, TensorOptions o, Generator& gen) {
  check(p >= 0 && p <= 1, "bernoulli: probability ", p, " is not in [0, 1]");
  Array a = Array::empty(shape, o.dtype, o.device);
  backend(o.device).bernoulli(a, gen, p);
  return finish(a, o);
}

// Each element is 1 with its own probability: 1[u < p] for uniform u.
Tensor bernoulli(const Tensor& p, Generator& gen) {
  check_floating("bernoulli", p);
  Tensor u = rand(p.shape(), {.dtype = p.dtype(), .device = p.device()}, gen);
  return lt(u, p.detach()).to(p.dtype());
}

// Fisher-Yates shuffle of 0..n-1 driven by one uniform draw per position.
Tensor randperm(int64_t n, TensorOptions o, Generator& gen) {
  check(n >= 0, "randperm: n must be non-negative, got ", n);
  std::vector<int64_t> perm(n);
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  if (n > 1) {
    Tensor u = rand({n}, {.dtype = kFloat64}, gen);
    const double* r = u.data_ptr<double>();
    for (int64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[static_cast<int64_t>(r[i] * (i + 1))]);
  }
  return from_vector(perm, {n}, o);
}

}  // namespace muse
