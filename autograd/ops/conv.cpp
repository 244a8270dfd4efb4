// 2-D convolution and transposed convolution, as torch.nn.functional.conv2d / conv_transpose2d, each a
// GEMM over the whole batch with the patches of the image laid out as columns (Backend::im2col).
// For a convolution of an image (N, C, H, W) with weight Wt (K, C/G, kh, kw) in G groups:
//   cols = im2col(image)     (C*kh*kw, N*Ho*Wo), rows (c, i, j), columns (n, oh, ow)
//   out2 = Wt cols           (K, N*Ho*Wo): the output, channel-major
// and the two adjoints of out2 = Wt cols are
//   d image = col2im(Wt^T d out2),   d Wt = d out2 cols^T.
// conv2d runs the first as its forward and the adjoints as its backward; conv_transpose2d is exactly
// conv2d's input gradient, so its forward is col2im(Wt^T x2) and its backward is the conv2d forward on dy.
// In groups, each product is a batch of G independent ones: rows of Wt, cols and out2 split into G
// contiguous blocks. The GEMM kernel reads Wt^T and cols^T in place through its transpose flags; the one
// copy is out2 <-> (N, K, Ho, Wo), which is a free view when N = 1.
// Reference: https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html
#include <algorithm>
#include <string>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

std::string pair(Int2 v) { return str("(", v.h, ", ", v.w, ")"); }

struct ConvArgs {
  const char* op;
  Int2 stride, padding, dilation;
  int64_t groups;
};

// The geometry of a convolution whose image is (n, c, h, w) and whose output is (ho, wo).
ConvGeometry geometry(const Shape& image, const Shape& weight, const ConvArgs& a, int64_t ho, int64_t wo) {
  return {image[0], image[1], image[2], image[3], weight[2],   weight[3],    a.stride.h, a.stride.w,
          a.padding.h, a.padding.w, a.dilation.h, a.dilation.w, ho,          wo};
}

// (N, C, H, W) -> (C, N*H*W) and back; views when N = 1.
Array channel_major(const Array& x) {
  int64_t n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3];
  if (n == 1) return contiguous_array(x).view({c, hw});
  return contiguous_array(x.view({n, c, hw}).permute({1, 0, 2})).view({c, n * hw});
}
Array batch_major(const Array& x2, const Shape& shape) {
  int64_t n = shape[0], c = shape[1], hw = shape[2] * shape[3];
  if (n == 1) return x2.view(shape);
  return contiguous_array(x2.view({c, n, hw}).permute({1, 0, 2})).view(shape);
}

// Weight (K, C/G, kh, kw) as G blocks (G, K/G, C/G*kh*kw).
Array grouped(const Array& w, int64_t groups) {
  return w.view({groups, w.shape[0] / groups, w.numel() / w.shape[0]});
}

// out2 (K, N*Ho*Wo) = Wt cols, cols = im2col(image). Returns cols too (the weight gradient reads it).
std::pair<Array, Array> conv_product(const Array& image, const Array& w, const ConvGeometry& g, int64_t groups) {
  Backend& be = backend(image.device());
  Array cols = Array::empty({g.rows(), g.cols()}, image.dtype, image.device());
  be.im2col(image, g, cols);
  int64_t k = w.shape[0];
  Array out2 = Array::empty({k, g.cols()}, image.dtype, image.device());
  be.matmul(grouped(w, groups), false, cols.view({groups, g.rows() / groups, g.cols()}), false,
            out2.view({groups, k / groups, g.cols()}));
  return {out2, cols};
}

// image (N, C, H, W) = col2im(Wt^T out2): the adjoint of conv_product with respect to the image.
Array conv_adjoint(const Array& out2, const Array& w, const ConvGeometry& g, int64_t groups) {
  Backend& be = backend(out2.device());
  Array cols = Array::empty({g.rows(), g.cols()}, out2.dtype, out2.device());
  int64_t k = w.shape[0];
  be.matmul(grouped(w, groups), true, out2.view({groups, k / groups, g.cols()}), false,
            cols.view({groups, g.rows() / groups, g.cols()}));
  Array image = Array::empty({g.n, g.c, g.h, g.w}, out2.dtype, out2.device());
  be.col2im(cols, g, image);
  return image;
}

// d Wt (K, C/G, kh, kw) = d out2 cols^T, group by group.
Array weight_grad(const Array& dout2, const Array& cols, const Shape& w_shape, int64_t groups) {
  Array dw = Array::empty(w_shape, dout2.dtype, dout2.device());
  int64_t k = w_shape[0], rows = cols.shape[0], ncols = cols.shape[1];
  backend(dw.device()).matmul(dout2.view({groups, k / groups, ncols}), false,
                              cols.view({groups, rows / groups, ncols}), true, grouped(dw, groups));
  return dw;
}

// One output size by PyTorch's formulas (transposed: the inverse of the convolution's).
// (A padded input shorter than the dilated kernel gives 0, where C++'s division would round -1/s up to 0.)
int64_t conv_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}
int64_t transposed_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, int64_t op) {
  return (in - 1) * s - 2 * p + d * (k - 1) + op + 1;
}

// Everything both ops check but the output size. Both split weight's dim 0 into groups: conv2d's output
// channels, conv_transpose2d's input channels.
void check_conv(const ConvArgs& a, const Tensor& x, const Tensor& weight, const Tensor& bias, bool transposed) {
  check_floating(a.op, x);
  check_defined(a.op, weight);
  check_same_dtype(a.op, x, weight);
  check_same_device(a.op, x, weight);
  check(x.dim() == 4 || x.dim() == 3, a.op, ": input must be (N, C, H, W) or (C, H, W), got shape ", x.shape());
  check(weight.dim() == 4, a.op, ": weight must be ",
        transposed ? "(in_channels, out_channels / groups, kH, kW)" : "(out_channels, in_channels / groups, kH, kW)",
        ", got shape ", weight.shape());
  check(a.groups > 0, a.op, ": groups must be positive, got ", a.groups);
  check(a.stride.h > 0 && a.stride.w > 0, a.op, ": stride must be positive, got ", pair(a.stride));
  check(a.dilation.h > 0 && a.dilation.w > 0, a.op, ": dilation must be positive, got ", pair(a.dilation));
  check(a.padding.h >= 0 && a.padding.w >= 0, a.op, ": padding must be non-negative, got ", pair(a.padding));
  int64_t channels = x.size(-3);
  int64_t expected = transposed ? weight.size(0) : weight.size(1) * a.groups;
  check(channels == expected, a.op, ": input ", x.shape(), " has ", channels, " channels but weight ", weight.shape(),
        " expects ", expected, " (groups ", a.groups, ")");
  check(weight.size(0) % a.groups == 0, a.op, ": groups ", a.groups, " must divide the ",
        transposed ? "input" : "output", " channels, ", weight.size(0), ", of weight ", weight.shape());
  int64_t out_channels = transposed ? weight.size(1) * a.groups : weight.size(0);
  if (!bias.defined()) return;
  check_same_dtype(a.op, x, bias);
  check_same_device(a.op, x, bias);
  check(bias.dim() == 1 && bias.size(0) == out_channels, a.op, ": bias must have shape (", out_channels,
        ",) to match weight ", weight.shape(), ", got ", bias.shape());
}

void check_output_size(const ConvArgs& a, const Tensor& x, const Tensor& weight, int64_t ho, int64_t wo) {
  check(ho >= 1 && wo >= 1, a.op, ": output size (", ho, ", ", wo, ") is too small: input ", x.shape(), ", kernel (",
        weight.size(2), ", ", weight.size(3), "), stride ", pair(a.stride), ", padding ", pair(a.padding),
        ", dilation ", pair(a.dilation));
}

// y (N, K, Ho, Wo) += b, broadcast over N and the positions.
void add_bias(const Array& y, const Tensor& bias) {
  backend(y.device()).binary(BinaryOp::Add, y, contiguous_array(bias).view({y.shape[1], 1, 1}), y);
}

Tensor batched(const Tensor& x) { return x.dim() == 3 ? x.unsqueeze(0) : x; }
Tensor unbatched_like(const Tensor& y, const Tensor& x) { return x.dim() == 3 ? y.squeeze(0) : y; }

}  // namespace

// y[n, k] = b[k] + sum_{c, i, j} W[k, c, i, j] x[n, g(k) C/G + c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]
// As matrices: y2 = W cols with cols = im2col(x); dx = col2im(W^T dy2), dW = dy2 cols^T, db = sum of dy
// over N, Ho, Wo (dy2 is dy channel-major).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Int2 stride, Int2 padding,
              Int2 dilation, int64_t groups) {
  ConvArgs a{"conv2d", stride, padding, dilation, groups};
  check_conv(a, input, weight, bias, false);
  Tensor x = batched(input);
  int64_t ho = conv_size(x.size(2), weight.size(2), stride.h, padding.h, dilation.h);
  int64_t wo = conv_size(x.size(3), weight.size(3), stride.w, padding.w, dilation.w);
  check_output_size(a, input, weight, ho, wo);
  ConvGeometry g = geometry(x.shape(), weight.shape(), a, ho, wo);
  Array w = contiguous_array(weight);
  auto [y2, cols] = conv_product(contiguous_array(x), w, g, groups);
  Array y = batch_major(y2, {g.n, weight.size(0), ho, wo});
  if (bias.defined()) add_bias(y, bias);

  bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  auto backward = [g, groups, w_shape = weight.shape(), w = need_x ? wrap(w) : Tensor(),
                   cols = need_w ? wrap(cols) : Tensor(), need_b = bias.defined() && bias.requires_grad()](
                      const Tensor& dy) -> Gradients {
    Array dy2 = channel_major(contiguous_array(dy));
    Tensor dx = w.defined() ? wrap(conv_adjoint(dy2, array(w), g, groups)) : Tensor();
    Tensor dw = cols.defined() ? wrap(weight_grad(dy2, array(cols), w_shape, groups)) : Tensor();
    Tensor db = need_b ? sum(dy, {0, 2, 3}) : Tensor();
    return {dx, dw, db};
  };
  return unbatched_like(record("conv2d", wrap(y), {x, weight, bias}, backward), input);
}

// The input gradient of conv2d as an op: y = col2im(W^T x2) + b with x2 = x channel-major, W (Cin, Cout/G,
// kh, kw) seen as the weight of a convolution from y's Cout channels to x's Cin.
// Its adjoints are the convolution itself: dx = conv2d(dy, W) (dx2 = W im2col(dy)), dW = x2 im2col(dy)^T,
// db = sum of dy over N, Hout, Wout.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Int2 stride, Int2 padding,
                        Int2 output_padding, int64_t groups, Int2 dilation) {
  ConvArgs a{"conv_transpose2d", stride, padding, dilation, groups};
  check_conv(a, input, weight, bias, true);
  check(output_padding.h >= 0 && output_padding.w >= 0 &&
            output_padding.h < std::max(stride.h, dilation.h) && output_padding.w < std::max(stride.w, dilation.w),
        "conv_transpose2d: output_padding ", pair(output_padding), " must be non-negative and smaller than stride ",
        pair(stride), " or dilation ", pair(dilation));
  Tensor x = batched(input);
  int64_t ho = transposed_size(x.size(2), weight.size(2), stride.h, padding.h, dilation.h, output_padding.h);
  int64_t wo = transposed_size(x.size(3), weight.size(3), stride.w, padding.w, dilation.w, output_padding.w);
  check_output_size(a, input, weight, ho, wo);
  // The convolution whose input gradient this is: image y (N, Cout, ho, wo), output x (H, W).
  ConvGeometry g = geometry({x.size(0), weight.size(1) * groups, ho, wo}, weight.shape(), a, x.size(2), x.size(3));
  Array w = contiguous_array(weight), x2 = channel_major(contiguous_array(x));
  Array y = conv_adjoint(x2, w, g, groups);
  if (bias.defined()) add_bias(y, bias);

  bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  auto backward = [g, groups, x_shape = x.shape(), w_shape = weight.shape(), w = wrap(w),
                   x2 = need_w ? wrap(x2) : Tensor(), need_x,
                   need_b = bias.defined() && bias.requires_grad()](const Tensor& dy) -> Gradients {
    Tensor dx, dw;
    if (need_x || x2.defined()) {
      auto [dx2, cols] = conv_product(contiguous_array(dy), array(w), g, groups);
      if (need_x) dx = wrap(batch_major(dx2, x_shape));
      if (x2.defined()) dw = wrap(weight_grad(array(x2), cols, w_shape, groups));
    }
    Tensor db = need_b ? sum(dy, {0, 2, 3}) : Tensor();
    return {dx, dw, db};
  };
  return unbatched_like(record("conv_transpose2d", wrap(y), {x, weight, bias}, backward), input);
}

}  // namespace muse
