// Calls a templated lambda with the C++ type of a dtype: dispatch(dt, [&]<class T>() { ... }). Shared by
// the CPU kernels and the CUDA ones (whose host code picks the kernel to launch this way).
#pragma once

#include "muse/dtype.h"
#include "muse/error.h"

namespace muse {

template <class F>
void dispatch(DType dtype, F&& f) {
  switch (dtype) {
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    case DType::Int64: return f.template operator()<int64_t>();
    case DType::Bool: return f.template operator()<bool>();
  }
}

// Floating types only; others are an error naming op.
template <class F>
void dispatch_float(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    default: throw Error(str(op, ": expected a floating-point array, got ", dtype));
  }
}

}  // namespace muse
