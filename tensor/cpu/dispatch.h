// Calls a templated lambda with the C++ type of a dtype: dispatch(dt, [&]<class T>() { ... }).
#pragma once

#include <cstdint>

#include "muse/dtype.h"
#include "muse/error.h"

namespace muse::cpu {

template <class F>
void dispatch(DType dtype, F&& f) {
  switch (dtype) {
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    case DType::Int64: return f.template operator()<int64_t>();
    case DType::Bool: return f.template operator()<bool>();
  }
}

template <class F>
void dispatch_float(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    default: throw Error(str(op, ": expected a floating-point array, got ", dtype));
  }
}

// The work below which a kernel stays on one thread (waking a worker costs microseconds).
inline constexpr int64_t kGrain = 32768;

}  // namespace muse::cpu
