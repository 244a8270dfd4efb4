// The CPU im2col / col2im kernels (row-wise, with conv::valid_outputs) against the per-element formulas
// of tensor/conv_math.h that the CUDA kernels run (conv::im2col_source, conv::col2im_element), so the
// GPU's index math is checked on every machine. Values are small integers: every sum is exact.
#include <doctest/doctest.h>

#include "tensor/backend.h"
#include "tensor/conv_math.h"

using namespace muse;

namespace {

ConvGeometry make(int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                  int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
  int64_t ho = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, wo = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  return {n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo};
}

template <class T>
void check_geometry(const ConvGeometry& g) {
  DType dt = std::is_same_v<T, float> ? kFloat32 : kFloat64;
  Array x = Array::empty({g.n, g.c, g.h, g.w}, dt), cols = Array::empty({g.rows(), g.cols()}, dt);
  backend(kCPU).iota(x, 1, 1);
  backend(kCPU).im2col(x, g, cols);
  for (int64_t r = 0; r < g.rows(); ++r)
    for (int64_t q = 0; q < g.cols(); ++q) {
      int64_t src = conv::im2col_source(g, r, q);
      REQUIRE(cols.data<T>()[r * g.cols() + q] == (src < 0 ? T(0) : x.data<T>()[src]));
    }
  backend(kCPU).iota(cols, -7, 1);
  Array dx = Array::empty(x.shape, dt);
  backend(kCPU).col2im(cols, g, dx);
  for (int64_t e = 0; e < dx.numel(); ++e) REQUIRE(dx.data<T>()[e] == conv::col2im_element(g, cols.data<T>(), e));
}

}  // namespace

TEST_CASE("conv_math: CPU im2col and col2im agree with the per-element formulas of the CUDA kernels") {
  const ConvGeometry cases[] = {
      make(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1), make(2, 3, 5, 7, 3, 2, 1, 1, 0, 0, 1, 1),
      make(2, 2, 9, 8, 3, 3, 2, 3, 1, 2, 1, 1), make(1, 3, 8, 7, 2, 3, 1, 2, 2, 1, 2, 3),
      make(3, 2, 4, 4, 4, 4, 2, 2, 1, 1, 1, 1), make(2, 1, 3, 5, 5, 2, 3, 1, 2, 0, 1, 2),
      make(1, 2, 6, 6, 1, 1, 3, 2, 0, 0, 1, 1),  // stride larger than the kernel: untouched inputs
  };
  for (const ConvGeometry& g : cases) {
    CAPTURE(g.h);
    CAPTURE(g.w);
    check_geometry<float>(g);
    check_geometry<double>(g);
  }
  // The transposed layer's geometry: an output_padding row that no tap reads (Ho one short of the formula).
  ConvGeometry g = make(1, 2, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1);
  g.ho -= 1;
  check_geometry<double>(g);
}

TEST_CASE("conv_math: valid_outputs is the range of outputs whose tap lands inside the image") {
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t s = 1; s < 4; ++s)
      for (int64_t p = 0; p < 3; ++p)
        for (int64_t d = 1; d < 3; ++d) {
          conv::Range r = conv::valid_outputs(k, s, p, d, 5, 6);
          for (int64_t o = 0; o < 6; ++o) {
            int64_t in = conv::input_at(o, k, s, p, d);
            CHECK((in >= 0 && in < 5) == (o >= r.lo && o < r.hi));
          }
        }
}
