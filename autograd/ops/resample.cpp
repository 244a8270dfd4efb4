// Resampling and padding of the last dims, as torch.nn.functional.interpolate (nearest, bilinear) and
// torch.nn.functional.pad, in PyTorch 1.13's index arithmetic (aten/src/ATen/native/UpSample.h).
// All compose existing ops, so they differentiate themselves:
//   nearest:  y = x at computed rows and columns (index_select; dx sums dy over the copies)
//   bilinear: separable, y = B_h x B_w^T with B_h (Ho, H) holding each output row's two weights
//   pad:      constant = cat with filled blocks (and narrow for negative padding);
//             reflect / replicate = index_select with mirrored or clamped indices.
#include <cmath>
#include <optional>

#include "autograd/checks.h"
#include "muse/ops.h"

namespace muse {
namespace {

std::string pair_str(Int2 v) { return str("(", v.h, ", ", v.w, ")"); }

// As ATen's upsample ops: a 4-D (N, C, H, W) input (F.interpolate reads a 3-D one as (N, C, L)).
void check_input(const char* op, const Tensor& x) {
  check_defined(op, x);
  check(x.dim() == 4, op, ": expected a 4-D (N, C, H, W) input, got shape ", x.shape());
}

void check_planes(const char* op, const Tensor& x, Int2 size) {
  check_input(op, x);
  check(x.size(-1) > 0 && x.size(-2) > 0, op, ": expected non-empty H and W, got input of shape ", x.shape());
  check(size.h > 0 && size.w > 0, op, ": output size must be positive, got ", pair_str(size), " for input of shape ",
        x.shape());
}

// The output size floor(n * scale), as F.interpolate computes it (in double).
Int2 scaled_size(const char* op, const Tensor& x, Scale2 s) {
  check_input(op, x);
  check(s.h > 0 && s.w > 0, op, ": scale_factor must be positive, got (", s.h, ", ", s.w, ")");
  return {static_cast<int64_t>(std::floor(x.size(-2) * s.h)), static_cast<int64_t>(std::floor(x.size(-1) * s.w))};
}

// PyTorch's nearest_idx: the identity and the doubling are exact; otherwise floor(o * ratio) in
// float32, ratio = 1 / scale when a scale was given, else n / out.
Tensor nearest_index(int64_t n, int64_t out, std::optional<double> scale, Device device) {
  std::vector<int64_t> idx(out);
  float ratio = scale && *scale > 0 ? static_cast<float>(1.0 / *scale) : static_cast<float>(n) / out;
  for (int64_t o = 0; o < out; ++o) {
    if (out == n) idx[o] = o;
    else if (out == 2 * n) idx[o] = o >> 1;
    else idx[o] = std::min(static_cast<int64_t>(std::floor(o * ratio)), n - 1);
  }
  return from_vector(idx, {out}, {.dtype = kInt64, .device = device});
}

Tensor nearest(const Tensor& x, Int2 size, std::optional<double> scale_h, std::optional<double> scale_w) {
  Tensor rows = nearest_index(x.size(-2), size.h, scale_h, x.device());
  Tensor cols = nearest_index(x.size(-1), size.w, scale_w, x.device());
  return index_select(index_select(x, -2, rows), -1, cols);
}

// The (out, n) bilinear matrix of one dim, computed in T (the input's type) as PyTorch's
// compute_source_index_and_lambda: source s, rows i0 = floor(s) and i0 + (i0 < n - 1), weights
// 1 - l and l with l = s - i0 clamped to [0, 1].
template <class T>
std::vector<double> bilinear_matrix(int64_t n, int64_t out, bool align_corners, std::optional<double> scale) {
  T ratio = align_corners ? (out > 1 ? static_cast<T>(n - 1) / static_cast<T>(out - 1) : T(0))
            : scale && *scale > 0 ? static_cast<T>(1.0 / *scale)
                                  : static_cast<T>(n) / static_cast<T>(out);
  std::vector<double> b(out * n, 0.0);
  for (int64_t o = 0; o < out; ++o) {
    if (out == n) {
      b[o * n + o] = 1;
      continue;
    }
    T s = align_corners ? ratio * static_cast<T>(o) : ratio * (static_cast<T>(o) + T(0.5)) - T(0.5);
    if (s < 0) s = 0;
    int64_t i0 = static_cast<int64_t>(s), i1 = i0 + (i0 < n - 1 ? 1 : 0);
    T l1 = std::min(std::max(s - static_cast<T>(i0), T(0)), T(1)), l0 = T(1) - l1;
    b[o * n + i0] += static_cast<double>(l0);
    b[o * n + i1] += static_cast<double>(l1);
  }
  return b;
}

Tensor bilinear(const Tensor& x, Int2 size, bool align_corners, std::optional<double> scale_h,
                std::optional<double> scale_w) {
  check_floating("upsample_bilinear2d", x);
  std::vector<double> b_h, b_w;
  if (x.dtype() == kFloat32) {
    b_h = bilinear_matrix<float>(x.size(-2), size.h, align_corners, scale_h);
    b_w = bilinear_matrix<float>(x.size(-1), size.w, align_corners, scale_w);
  } else {
    b_h = bilinear_matrix<double>(x.size(-2), size.h, align_corners, scale_h);
    b_w = bilinear_matrix<double>(x.size(-1), size.w, align_corners, scale_w);
  }
  TensorOptions o{.dtype = x.dtype(), .device = x.device()};
  Tensor bh = from_vector(b_h, {size.h, x.size(-2)}, o), bw = from_vector(b_w, {size.w, x.size(-1)}, o);
  return matmul(bh, matmul(x, bw.t()));
}

const char* mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Constant: return "constant";
    case PadMode::Reflect: return "reflect";
    case PadMode::Replicate: return "replicate";
  }
  return "?";
}

// Constant padding of one dim: crop for negative amounts (narrow), then join value-filled blocks (cat).
Tensor pad_constant(Tensor y, int64_t d, int64_t left, int64_t right, double value) {
  int64_t n = y.size(d);
  y = y.narrow(d, std::max<int64_t>(-left, 0), n - std::max<int64_t>(-left, 0) - std::max<int64_t>(-right, 0));
  auto filled = [&](int64_t length) {
    Shape block = y.shape();
    block[d] = length;
    return full(block, value, {.dtype = y.dtype(), .device = y.device()});
  };
  std::vector<Tensor> parts;
  if (left > 0) parts.push_back(filled(left));
  parts.push_back(y);
  if (right > 0) parts.push_back(filled(right));
  return parts.size() == 1 ? y : cat(parts, d);
}

// Output position o of a dim padded by (left, right) reads input i = o - left, mirrored about the edge
// elements (reflect) or clamped to them (replicate).
Tensor pad_index(int64_t n, int64_t left, int64_t out, PadMode mode, Device device) {
  std::vector<int64_t> idx(out);
  for (int64_t o = 0; o < out; ++o) {
    int64_t i = o - left;
    if (mode == PadMode::Reflect) i = i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    else i = std::min(std::max<int64_t>(i, 0), n - 1);
    idx[o] = i;
  }
  return from_vector(idx, {out}, {.dtype = kInt64, .device = device});
}

}  // namespace

// y[.., oh, ow] = x[.., src(oh), src(ow)];  dx[.., h, w] = sum of dy over the outputs copied from (h, w).
Tensor upsample_nearest2d(const Tensor& x, Int2 size) {
  check_planes("upsample_nearest2d", x, size);
  return nearest(x, size, std::nullopt, std::nullopt);
}

Tensor upsample_nearest2d_scale(const Tensor& x, Scale2 s) {
  Int2 size = scaled_size("upsample_nearest2d", x, s);
  check_planes("upsample_nearest2d", x, size);
  return nearest(x, size, s.h, s.w);
}

// y = B_h x B_w^T;  dx = B_h^T dy B_w.
Tensor upsample_bilinear2d(const Tensor& x, Int2 size, bool align_corners) {
  check_planes("upsample_bilinear2d", x, size);
  return bilinear(x, size, align_corners, std::nullopt, std::nullopt);
}

Tensor upsample_bilinear2d_scale(const Tensor& x, Scale2 s, bool align_corners) {
  Int2 size = scaled_size("upsample_bilinear2d", x, s);
  check_planes("upsample_bilinear2d", x, size);
  return bilinear(x, size, align_corners, s.h, s.w);
}

// Per padded dim d, with (left, right) = (pad[2k], pad[2k + 1]) for d = ndim - 1 - k:
//   y[.., o, ..] = value outside the input, x[.., o - left, ..] inside (constant), or
//   x[.., reflect(o - left), ..] / x[.., clamp(o - left), ..];  dx sums dy over the positions that read
//   each element (the cat, narrow and index_select backward).
Tensor pad(const Tensor& x, const std::vector<int64_t>& pad, PadMode mode, double value) {
  check_defined("pad", x);
  int64_t dims = static_cast<int64_t>(pad.size()) / 2;
  check(pad.size() % 2 == 0, "pad: the padding must have an even length, got ", pad.size(), " values");
  check(dims <= x.dim(), "pad: ", pad.size(), " padding values pad ", dims, " dims, but the input of shape ",
        x.shape(), " has only ", x.dim());
  if (mode != PadMode::Constant) {
    int64_t nd = x.dim();
    check((dims == 1 && (nd == 2 || nd == 3)) || (dims == 2 && (nd == 3 || nd == 4)) ||
              (dims == 3 && (nd == 4 || nd == 5)),
          "pad: ", mode_name(mode), " padding pads the last dim of a 2-D or 3-D input, the last 2 of a 3-D or 4-D "
          "input, or the last 3 of a 4-D or 5-D input; got ", pad.size(), " padding values for input of shape ",
          x.shape());
  }
  Tensor y = x;
  for (int64_t k = 0; k < dims; ++k) {
    int64_t d = x.dim() - 1 - k, left = pad[2 * k], right = pad[2 * k + 1], n = x.size(d), out = n + left + right;
    check(out >= 0, "pad: padding (", left, ", ", right, ") of dim ", d, " would make a negative size from ", n,
          " (input of shape ", x.shape(), ")");
    if (mode == PadMode::Constant) {
      y = pad_constant(y, d, left, right, value);
      continue;
    }
    check(n > 0 && out > 0, "pad: ", mode_name(mode), " padding (", left, ", ", right, ") of dim ", d,
          " needs a non-empty input and output, got input of shape ", x.shape());
    check(mode != PadMode::Reflect || (left < n && right < n), "pad: reflect padding (", left, ", ", right,
          ") of dim ", d, " must be less than its size ", n, " (input of shape ", x.shape(), ")");
    y = index_select(y, d, pad_index(n, left, out, mode, x.device()));
  }
  return y;
}

}  // namespace muse
