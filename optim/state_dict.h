// Reading and writing an optimizer's StateDict (see muse/optim/optimizer.h for the keys). Private to
// optim/: the optimizers use it in their state_dict and load_state_dict hooks.
#pragma once

#include <map>
#include <set>
#include <string>

#include "muse/optim/optimizer.h"

namespace muse::optim {

// The key prefixes "state.<i>." (parameter i's state) and "param_groups.<g>." (group g's options).
inline std::string state_prefix(size_t i) { return str("state.", i, "."); }
inline std::string group_prefix(size_t g) { return str("param_groups.", g, "."); }

// 0-dim tensors for hyperparameters: float64 numbers, bool flags.
Tensor number_tensor(double value);
Tensor flag_tensor(bool value);

// Checked access to a StateDict being loaded. Each accessor throws a muse::Error that starts with
// "<optimizer>.load_state_dict: " and names the key when it is missing or has the wrong shape or
// dtype; check_all_read() throws on a key that nothing asked for.
class StateReader {
 public:
  StateReader(std::string context, const StateDict& dict);

  bool has(const std::string& key) const { return dict_.count(key) != 0; }
  // A copy on `device` of the tensor under key, which must have this shape and dtype (it may come from
  // another device: a checkpoint read from disk holds CPU tensors).
  Tensor tensor(const std::string& key, const Shape& shape, DType dtype, Device device);
  double number(const std::string& key);  // a 0-dim float64
  bool flag(const std::string& key);      // a 0-dim bool
  int64_t integer(const std::string& key);  // a 0-dim int64
  // A 0-dim float32 holding a whole number >= 0 (PyTorch's state["step"]).
  int64_t count(const std::string& key);
  void check_all_read() const;

  template <class... Args>
  [[noreturn]] void fail(const std::string& key, const Args&... what) const {
    throw Error(str(context_, ": '", key, "' ", what...));
  }

 private:
  const Tensor& get(const std::string& key, const Shape& shape, DType dtype);

  std::string context_;
  std::map<std::string, Tensor> dict_;
  std::set<std::string> read_;
};

}  // namespace muse::optim
