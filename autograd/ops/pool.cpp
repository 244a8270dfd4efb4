// Pooling over the (H, W) planes of x (N, C, H, W) or (C, H, W), as torch.nn.functional's max_pool2d,
// avg_pool2d and adaptive_avg_pool2d (https://pytorch.org/docs/1.13/nn.functional.html#pooling-functions).
// Max pooling is a kernel (Backend::max_pool2d). Average pooling is separable: every window is a
// rectangle, rows [r0, r1) x columns [c0, c1), and its divisor factors as (row count) x (column count),
// so out = A_h x A_w^T with A_h (Ho, H) holding 1 / rows in row oh's window and A_w (Wo, W) likewise:
// two matmuls that differentiate themselves.
#include <cmath>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

std::string pair_str(Int2 v) { return str("(", v.h, ", ", v.w, ")"); }

// x is a floating (N, C, H, W) or (C, H, W) tensor with non-empty C, H and W (N may be 0).
void check_planes(const char* op, const Tensor& x) {
  check_defined(op, x);
  check(x.dim() == 3 || x.dim() == 4, op, ": expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape ",
        x.shape());
  for (int64_t d = x.dim() - 3; d < x.dim(); ++d)
    check(x.size(d) > 0, op, ": expected non-empty C, H and W, got input of shape ", x.shape());
  check_floating(op, x);
}

// PyTorch's pooling_output_shape for one dim: floor (or ceil) of the window count, where with ceil_mode
// a last window that would start in the end padding is dropped.
int64_t pooled_size(int64_t n, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t span = n + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1;  // floor division
  if (ceil_mode && (out - 1) * s >= n + p) --out;
  return out;
}

// The pooling windows' geometry, checked as PyTorch's pool2d_shape_check does; sets Ho and Wo.
Pool2dParams window_params(const char* op, const Tensor& x, Int2 k, std::optional<Int2> stride, Int2 pad,
                           Int2 dil, bool ceil_mode, int64_t* Ho, int64_t* Wo) {
  check_planes(op, x);
  Int2 s = stride.value_or(k);
  check(k.h > 0 && k.w > 0, op, ": kernel_size must be positive, got ", pair_str(k));
  check(s.h > 0 && s.w > 0, op, ": stride must be positive, got ", pair_str(s));
  check(dil.h > 0 && dil.w > 0, op, ": dilation must be positive, got ", pair_str(dil));
  check(pad.h >= 0 && pad.w >= 0 && pad.h <= k.h / 2 && pad.w <= k.w / 2, op,
        ": padding must be non-negative and at most half the kernel size, got padding ", pair_str(pad),
        " for kernel_size ", pair_str(k));
  int64_t H = x.size(-2), W = x.size(-1);
  *Ho = pooled_size(H, k.h, s.h, pad.h, dil.h, ceil_mode);
  *Wo = pooled_size(W, k.w, s.w, pad.w, dil.w, ceil_mode);
  check(*Ho > 0 && *Wo > 0, op, ": input of shape ", x.shape(), " gives an output of size ", pair_str({*Ho, *Wo}),
        ", which is too small (kernel_size ", pair_str(k), ", stride ", pair_str(s), ", padding ", pair_str(pad),
        ", dilation ", pair_str(dil), ")");
  return {k.h, k.w, s.h, s.w, pad.h, pad.w, dil.h, dil.w};
}

Shape with_plane(const Tensor& x, int64_t Ho, int64_t Wo) {
  Shape shape = x.shape();
  shape[shape.size() - 2] = Ho;
  shape[shape.size() - 1] = Wo;
  return shape;
}

// out = A_h x A_w^T over the last two dims, for A_h (Ho, H) and A_w (Wo, W) given row by row.
Tensor separable(const Tensor& x, const std::vector<double>& a_h, int64_t Ho, const std::vector<double>& a_w,
                 int64_t Wo) {
  TensorOptions o{.dtype = x.dtype(), .device = x.device()};
  Tensor ah = from_vector(a_h, {Ho, x.size(-2)}, o), aw = from_vector(a_w, {Wo, x.size(-1)}, o);
  return matmul(ah, matmul(x, aw.t()));
}

// The average-pooling matrix of one dim, by PyTorch's avg_pool2d rules: window o spans [o s - p,
// min(o s - p + k, n + p)) in the padded input; its in-range part [max(., 0), min(., n)) gets weight
// 1 / (padded length when count_include_pad, else in-range length), or 1 under divisor_override. A
// window wholly in the padding stays 0.
std::vector<double> avg_matrix(int64_t n, int64_t out, int64_t k, int64_t s, int64_t p, bool count_include_pad,
                               bool override) {
  std::vector<double> a(out * n, 0.0);
  for (int64_t o = 0; o < out; ++o) {
    int64_t start = o * s - p, end = std::min(start + k, n + p);
    int64_t padded = end - start;
    start = std::max<int64_t>(start, 0);
    end = std::min(end, n);
    double w = override ? 1.0 : 1.0 / static_cast<double>(count_include_pad ? padded : end - start);
    for (int64_t i = start; i < end; ++i) a[o * n + i] = w;
  }
  return a;
}

// Adaptive windows: output o averages [floor(o n / out), ceil((o + 1) n / out)).
std::vector<double> adaptive_matrix(int64_t n, int64_t out) {
  std::vector<double> a(out * n, 0.0);
  for (int64_t o = 0; o < out; ++o) {
    int64_t start = o * n / out, end = ((o + 1) * n + out - 1) / out;
    for (int64_t i = start; i < end; ++i) a[o * n + i] = 1.0 / static_cast<double>(end - start);
  }
  return a;
}

}  // namespace

// y[p, oh, ow] = max over the window of x[p, h, w], index = argmax h * W + w;
// dx[p, index] += dy[p, oh, ow] (the gradient goes to the recorded element only, ties included).
ValuesIndices max_pool2d_with_indices(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride,
                                      Int2 padding, Int2 dilation, bool ceil_mode) {
  int64_t Ho = 0, Wo = 0;
  Pool2dParams p = window_params("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode, &Ho, &Wo);
  Array xa = contiguous_array(x);
  Shape shape = with_plane(x, Ho, Wo);
  Array y = Array::empty(shape, x.dtype(), x.device());
  Array idx = Array::empty(shape, kInt64, x.device());
  if (x.numel() > 0) backend_of(x).max_pool2d(xa, p, y, idx);
  Tensor indices = wrap(idx);
  // The backward sees each plane flat: dx (planes, H * W) gets dy (planes, Ho * Wo) at the indices.
  int64_t planes = x.numel() / (x.size(-2) * x.size(-1)), plane = x.size(-2) * x.size(-1);
  TensorOptions options{.dtype = x.dtype(), .device = x.device()};
  auto backward = [indices, planes, plane, options, shape = x.shape()](const Tensor& dy) -> Gradients {
    Tensor dx = zeros({planes, plane}, options);
    return {scatter_add(dx, 1, indices.reshape({planes, -1}), dy.reshape({planes, -1})).reshape(shape)};
  };
  return {record("max_pool2d", wrap(y), {x}, backward), indices};
}

Tensor max_pool2d(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride, Int2 padding, Int2 dilation,
                  bool ceil_mode) {
  return max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode).values;
}

// y = A_h x A_w^T (see the top of the file), divided by divisor_override when given;
// dx = A_h^T dy A_w by the matmuls' own backward.
Tensor avg_pool2d(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride, Int2 padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
  int64_t Ho = 0, Wo = 0;
  Pool2dParams p = window_params("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode, &Ho, &Wo);
  check(!divisor_override || *divisor_override != 0, "avg_pool2d: divisor_override must not be zero");
  bool over = divisor_override.has_value();
  std::vector<double> a_h = avg_matrix(x.size(-2), Ho, p.kh, p.sh, p.ph, count_include_pad, over);
  std::vector<double> a_w = avg_matrix(x.size(-1), Wo, p.kw, p.sw, p.pw, count_include_pad, over);
  Tensor y = separable(x, a_h, Ho, a_w, Wo);
  return over ? y / static_cast<double>(*divisor_override) : y;
}

// y = A_h x A_w^T with the adaptive windows; dx = A_h^T dy A_w.
Tensor adaptive_avg_pool2d(const Tensor& x, Int2 output_size) {
  check_planes("adaptive_avg_pool2d", x);
  check(output_size.h > 0 && output_size.w > 0, "adaptive_avg_pool2d: output_size must be positive, got ",
        pair_str(output_size), " for input of shape ", x.shape());
  return separable(x, adaptive_matrix(x.size(-2), output_size.h), output_size.h,
                   adaptive_matrix(x.size(-1), output_size.w), output_size.w);
}

}  // namespace muse
