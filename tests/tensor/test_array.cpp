#include <doctest/doctest.h>

#include "tensor/array.h"
#include "tensor/backend.h"

using namespace muse;

namespace {
Array iota_array(const Shape& shape) {
  Array a = Array::empty(shape, kFloat32);
  backend(kCPU).iota(a, 0, 1);
  return a;
}
}  // namespace

TEST_CASE("array: contiguous strides and views") {
  Array a = iota_array({2, 3, 4});
  CHECK(a.strides == Shape{12, 4, 1});
  CHECK(a.is_contiguous());
  Array p = a.permute({2, 0, 1});
  CHECK(p.shape == Shape{4, 2, 3});
  CHECK(p.strides == Shape{1, 12, 4});
  CHECK(!p.is_contiguous());
  Array s = a.slice(2, 1, 2, 2);  // x[:, :, 1::2]
  CHECK(s.shape == Shape{2, 3, 2});
  CHECK(s.offset == 1);
  CHECK(s.strides == Shape{12, 4, 2});
  Array e = iota_array({3, 1}).expand({2, 3, 5});
  CHECK(e.strides == Shape{0, 1, 0});
}

TEST_CASE("array: strided copy gathers the right elements and converts dtypes") {
  Array a = iota_array({3, 4});
  Array t = a.permute({1, 0});  // (4, 3)
  Array out = Array::empty({4, 3}, kFloat64);
  backend(kCPU).copy(t, out);
  const double* o = out.data<double>();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) CHECK(o[i * 3 + j] == j * 4 + i);
  // Writing through a strided destination: every other column.
  Array dst = Array::empty({3, 4}, kFloat32);
  backend(kCPU).fill(dst, -1);
  Array cols = dst.slice(1, 0, 2, 2);
  backend(kCPU).copy(a.slice(1, 1, 2, 2), cols);
  const float* d = dst.data<float>();
  CHECK(d[0] == 1);
  CHECK(d[1] == -1);
  CHECK(d[2] == 3);
  CHECK(d[4] == 5);
}

TEST_CASE("array: large strided copies split across threads agree with the serial walk") {
  Array a = iota_array({300, 500});
  Array t = a.permute({1, 0});
  Array out = Array::empty({500, 300}, kFloat32);
  backend(kCPU).copy(t, out);
  const float* o = out.data<float>();
  bool ok = true;
  for (int i = 0; i < 500; ++i)
    for (int j = 0; j < 300; ++j) ok = ok && o[i * 300 + j] == static_cast<float>(j * 500 + i);
  CHECK(ok);
}
