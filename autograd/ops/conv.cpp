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
// copy is out2 <-> (N, K, Ho, Wo), which is a free view when N = 1 or when the layer is dense (below).
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

// One convolution: its geometry, its groups, and whether it is dense: the kernel covers the whole unpadded
// image (a 1 x 1 output) in one group, which makes the layer a fully connected one (dcgan's first and last
// layers). Then the image itself, viewed (N, C*kh*kw), is cols^T and the output (N, K) is out2^T, already
// batch-major: nothing is copied or rearranged, and the products read the transposes through the GEMM's
// flags.
struct Conv {
  ConvGeometry g;
  int64_t groups;
  bool dense;
};

Conv make_conv(const ConvGeometry& g, int64_t groups) {
  bool dense = groups == 1 && g.ho == 1 && g.wo == 1 && g.ph == 0 && g.pw == 0 && g.kh == g.h && g.kw == g.w;
  return {g, groups, dense};
}

// The output (N, K, Ho, Wo), contiguous, as out2: (K, N*Ho*Wo), or (N, K) when dense. A view when N = 1.
Array to_out2(const Conv& c, const Array& out) {
  int64_t n = out.shape[0], k = out.shape[1], hw = out.shape[2] * out.shape[3];
  if (c.dense) return out.view({n, k});
  if (n == 1) return out.view({k, hw});
  return contiguous_array(out.view({n, k, hw}).permute({1, 0, 2})).view({k, n * hw});
}
// And back: out2 as the output of shape (N, K, Ho, Wo).
Array from_out2(const Conv& c, const Array& out2, const Shape& shape) {
  int64_t n = shape[0], k = shape[1], hw = shape[2] * shape[3];
  if (c.dense || n == 1) return out2.view(shape);
  return contiguous_array(out2.view({k, n, hw}).permute({1, 0, 2})).view(shape);
}

// Weight (K, C/G, kh, kw) as G blocks (G, K/G, C/G*kh*kw).
Array grouped(const Array& w, int64_t groups) {
  return w.view({groups, w.shape[0] / groups, w.numel() / w.shape[0]});
}

// cols = im2col(image) (C*kh*kw, N*Ho*Wo); dense: the image itself viewed (N, C*kh*kw), which is cols^T.
Array columns(const Array& image, const Conv& c) {
  const ConvGeometry& g = c.g;
  if (c.dense) return image.view({g.n, g.rows()});
  Array cols = Array::empty({g.rows(), g.cols()}, image.dtype, image.device());
  backend(image.device()).im2col(image, g, cols);
  return cols;
}

// out2 = Wt cols (dense: out2^T = cols^T Wt^T).
Array conv_product(const Array& cols, const Array& w, const Conv& c) {
  Backend& be = backend(cols.device());
  const ConvGeometry& g = c.g;
  int64_t k = w.shape[0];
  if (c.dense) {
    Array out2 = Array::empty({g.n, k}, cols.dtype, cols.device());
    be.matmul(cols.view({1, g.n, g.rows()}), false, w.view({1, k, g.rows()}), true, out2.view({1, g.n, k}));
    return out2;
  }
  Array out2 = Array::empty({k, g.cols()}, cols.dtype, cols.device());
  be.matmul(grouped(w, c.groups), false, cols.view({c.groups, g.rows() / c.groups, g.cols()}), false,
            out2.view({c.groups, k / c.groups, g.cols()}));
  return out2;
}

// image (N, C, H, W) = col2im(Wt^T out2): the adjoint of conv_product with respect to the image (dense:
// image = out2^T Wt).
Array conv_adjoint(const Array& out2, const Array& w, const Conv& c) {
  Backend& be = backend(out2.device());
  const ConvGeometry& g = c.g;
  int64_t k = w.shape[0];
  Array image = Array::empty({g.n, g.c, g.h, g.w}, out2.dtype, out2.device());
  if (c.dense) {
    be.matmul(out2.view({1, g.n, k}), false, w.view({1, k, g.rows()}), false, image.view({1, g.n, g.rows()}));
    return image;
  }
  Array cols = Array::empty({g.rows(), g.cols()}, out2.dtype, out2.device());
  be.matmul(grouped(w, c.groups), true, out2.view({c.groups, k / c.groups, g.cols()}), false,
            cols.view({c.groups, g.rows() / c.groups, g.cols()}));
  be.col2im(cols, g, image);
  return image;
}

// d Wt (K, C/G, kh, kw) = d out2 cols^T, group by group (dense: (d out2^T)^T cols^T).
Array weight_grad(const Array& dout2, const Array& cols, const Shape& w_shape, const Conv& c) {
  Array dw = Array::empty(w_shape, dout2.dtype, dout2.device());
  Backend& be = backend(dw.device());
  int64_t k = w_shape[0], rows = c.g.rows(), ncols = c.g.cols();
  if (c.dense)
    be.matmul(dout2.view({1, c.g.n, k}), true, cols.view({1, c.g.n, rows}), false, dw.view({1, k, rows}));
  else
    be.matmul(dout2.view({c.groups, k / c.groups, ncols}), false, cols.view({c.groups, rows / c.groups, ncols}),
              true, grouped(dw, c.groups));
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
  Conv c = make_conv(geometry(x.shape(), weight.shape(), a, ho, wo), groups);
  Array w = contiguous_array(weight);
  Array cols = columns(contiguous_array(x), c), y2 = conv_product(cols, w, c);
  Array y = from_out2(c, y2, {x.size(0), weight.size(0), ho, wo});
  if (bias.defined()) add_bias(y, bias);

  bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  auto backward = [c, w_shape = weight.shape(), w = need_x ? wrap(w) : Tensor(), cols = need_w ? wrap(cols) : Tensor(),
                   need_b = bias.defined() && bias.requires_grad()](const Tensor& dy) -> Gradients {
    Array dy2 = to_out2(c, contiguous_array(dy));
    Tensor dx = w.defined() ? wrap(conv_adjoint(dy2, array(w), c)) : Tensor();
    Tensor dw = cols.defined() ? wrap(weight_grad(dy2, array(cols), w_shape, c)) : Tensor();
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
  Conv c = make_conv(geometry({x.size(0), weight.size(1) * groups, ho, wo}, weight.shape(), a, x.size(2), x.size(3)),
                     groups);
  Array w = contiguous_array(weight), x2 = to_out2(c, contiguous_array(x));
  Array y = conv_adjoint(x2, w, c);
  if (bias.defined()) add_bias(y, bias);

  bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  auto backward = [c, x_shape = x.shape(), w_shape = weight.shape(), w = need_x ? wrap(w) : Tensor(),
                   x2 = need_w ? wrap(x2) : Tensor(),
                   need_b = bias.defined() && bias.requires_grad()](const Tensor& dy) -> Gradients {
    Tensor dx, dw;
    if (w.defined() || x2.defined()) {
      Array cols = columns(contiguous_array(dy), c);
      if (w.defined()) dx = wrap(from_out2(c, conv_product(cols, array(w), c), x_shape));
      if (x2.defined()) dw = wrap(weight_grad(array(x2), cols, w_shape, c));
    }
    Tensor db = need_b ? sum(dy, {0, 2, 3}) : Tensor();
    return {dx, dw, db};
  };
  return unbatched_like(record("conv_transpose2d", wrap(y), {x, weight, bias}, backward), input);
}

}  // namespace muse
