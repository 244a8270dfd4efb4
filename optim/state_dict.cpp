#include "state_dict.h"

#include <cmath>

#include "muse/ops.h"

namespace muse::optim {

Tensor number_tensor(double value) { return scalar_tensor(value, {.dtype = kFloat64}); }
Tensor flag_tensor(bool value) { return scalar_tensor(value, {.dtype = kBool}); }

StateReader::StateReader(std::string context, const StateDict& dict) : context_(std::move(context)) {
  for (const auto& [key, t] : dict) {
    if (!t.defined()) fail(key, "is an undefined tensor");
    if (!dict_.emplace(key, t).second) fail(key, "appears twice");
  }
}

const Tensor& StateReader::get(const std::string& key, const Shape& shape, DType dtype) {
  auto it = dict_.find(key);
  if (it == dict_.end()) throw Error(str(context_, ": missing key '", key, "'"));
  const Tensor& t = it->second;
  if (t.shape() != shape || t.dtype() != dtype) {
    fail(key, "has shape ", t.shape(), " and dtype ", t.dtype(), ", expected shape ", shape, " and dtype ", dtype);
  }
  read_.insert(key);
  return t;
}

Tensor StateReader::tensor(const std::string& key, const Shape& shape, DType dtype, Device device) {
  const Tensor& t = get(key, shape, dtype);
  Tensor copy = empty(shape, {.dtype = dtype, .device = device});
  copy.copy_(t);
  return copy;
}

double StateReader::number(const std::string& key) { return get(key, {}, kFloat64).item(); }

bool StateReader::flag(const std::string& key) { return get(key, {}, kBool).item() != 0; }

int64_t StateReader::integer(const std::string& key) { return get(key, {}, kInt64).to_vector<int64_t>()[0]; }

int64_t StateReader::count(const std::string& key) {
  double v = get(key, {}, kFloat32).item();
  if (!(v >= 0) || v != std::floor(v)) fail(key, "holds ", v, ", expected a whole number >= 0");
  return static_cast<int64_t>(v);
}

void StateReader::check_all_read() const {
  for (const auto& [key, t] : dict_) {
    if (!read_.count(key)) fail(key, "is not a key of this state (unexpected key)");
  }
}

}  // namespace muse::optim
