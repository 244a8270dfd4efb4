// Validation shared by the ops: every failure throws muse::Error naming the op and what was wrong.
#pragma once

#include "muse/tensor.h"
#include "tensor/array.h"
#include "tensor/backend.h"

namespace muse {

void check_defined(const char* op, const Tensor& t);
void check_floating(const char* op, const Tensor& t);  // float32 or float64
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
// A dim in [-ndim, ndim) made non-negative.
int64_t normalize_dim(const char* op, int64_t dim, int64_t ndim);
// Sorted, distinct, non-negative dims; an empty list means every dim.
Shape normalize_dims(const char* op, const Dims& dims, int64_t ndim);
// The broadcast of two shapes by NumPy's rules.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
// The contiguous array of t (t's own when already contiguous).
Array contiguous_array(const Tensor& t);
Array contiguous_array(const Array& a);
// A 0-dim tensor holding value, of like's dtype and device.
Tensor scalar_like(double value, const Tensor& like);
// The backend that runs an op on t.
Backend& backend_of(const Tensor& t);

}  // namespace muse
