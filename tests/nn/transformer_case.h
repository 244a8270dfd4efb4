// What the MultiheadAttention and Transformer tests share: the reference cases (transformer_reference.h,
// run through rnn_case.h's load, input and check), dtypes and tolerances, stored bool masks, a causal
// mask and state_dict keys.
#pragma once

#include <string>
#include <vector>

#include "muse/nn/module.h"
#include "rnn_case.h"
#include "transformer_reference.h"

namespace transformer_case {

namespace ref = transformer_reference;
using rnn_case::input;

const muse::DType kDtypes[] = {muse::kFloat64, muse::kFloat32};
inline double tolerance(muse::DType dtype) { return dtype == muse::kFloat64 ? 1e-9 : 1e-4; }

// A stored bool mask (0 / 1 values, true = blocked).
inline muse::Tensor bool_mask(const rnn_reference::Case& c, const std::string& name) {
  return rnn_case::value(rnn_case::find(c.tensors, name), muse::kFloat64) != 0.0;
}

// Bool (T, T), true above the diagonal: query l may not see key s > l.
inline muse::Tensor causal_mask(int64_t T) { return muse::arange(T).unsqueeze(1) < muse::arange(T).unsqueeze(0); }

inline std::vector<std::string> names(const muse::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, t] : m.state_dict()) out.push_back(name);
  return out;
}

}  // namespace transformer_case
