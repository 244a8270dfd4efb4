// Every op on Tensors, with PyTorch's names and semantics. Each differentiable op records its backward
// when an input requires grad. Binary ops broadcast with NumPy's rules; their operands must share a
// dtype (a plain number takes the tensor's dtype). Float-only ops reject integer and bool tensors.
#pragma once

#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "muse/tensor.h"

namespace muse {

// A (height, width) pair for the 2-D layers' kernel size, stride, padding and dilation; one number means
// the same value for both, as in PyTorch: conv2d(x, w, {}, /*stride=*/2) or conv2d(x, w, {}, {2, 1}).
struct Int2 {
  Int2(int64_t v) : h(v), w(v) {}
  Int2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool operator==(const Int2&) const = default;
  int64_t h, w;
};

// ---- creation (autograd/factory.cpp) ----
Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
Tensor zeros_like(const Tensor& t, std::optional<TensorOptions> options = {});
Tensor ones_like(const Tensor& t, std::optional<TensorOptions> options = {});
Tensor full_like(const Tensor& t, double value, std::optional<TensorOptions> options = {});
Tensor empty_like(const Tensor& t, std::optional<TensorOptions> options = {});
Tensor scalar_tensor(double value, TensorOptions options = {});  // 0-dim
// [start, end) in steps of step, like torch.arange; the 1-argument form counts from 0.
Tensor arange(double end, TensorOptions options = {});
Tensor arange(double start, double end, double step = 1, TensorOptions options = {});
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
Tensor eye(int64_t n, std::optional<int64_t> m = {}, TensorOptions options = {});
// From values: tensor({1, 2, 3}) is float32 of shape (3,); tensor({{1, 2}, {3, 4}}) is (2, 2).
// (Number, unlike double, cannot be made from a braced list, so tensor({{1}, {2}}) is unambiguously 2-D.)
struct Number {
  template <class T>
    requires std::is_arithmetic_v<T>
  Number(T v) : value(static_cast<double>(v)) {}
  double value;
};
Tensor tensor(std::initializer_list<Number> values, TensorOptions options = {});
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, TensorOptions options = {});
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options = {});
// Random tensors from the default generator or an explicit one.
Tensor rand(const Shape& shape, TensorOptions options = {}, Generator& gen = default_generator());
Tensor randn(const Shape& shape, TensorOptions options = {}, Generator& gen = default_generator());
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = {.dtype = kInt64},
               Generator& gen = default_generator());
Tensor bernoulli(const Tensor& p, Generator& gen = default_generator());  // each element 1 with prob p
Tensor bernoulli(const Shape& shape, double p, TensorOptions options = {}, Generator& gen = default_generator());
Tensor randperm(int64_t n, TensorOptions options = {.dtype = kInt64}, Generator& gen = default_generator());

// ---- elementwise (autograd/ops/elementwise.cpp) ----
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1);  // a + alpha * b
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
Tensor pow(const Tensor& x, const Tensor& exponent);
Tensor pow(double base, const Tensor& exponent);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor gelu(const Tensor& x, std::string_view approximate = "none");  // "none" (erf) or "tanh"
Tensor silu(const Tensor& x);
Tensor softplus(const Tensor& x, double beta = 1, double threshold = 20);
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max = {});
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
// Comparisons give bool masks; logical ops take bool masks.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);
// cond ? a : b, broadcasting all three; a plain number takes the other operand's dtype.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, double b);
Tensor where(const Tensor& cond, double a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// True when shapes match and every |a - b| <= atol + rtol * |b| (NaNs unequal).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
bool equal(const Tensor& a, const Tensor& b);  // same shape and exactly the same values

// Operators. A plain number becomes a 0-dim tensor of the other operand's dtype.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double b);
Tensor operator!=(const Tensor& a, double b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator!(const Tensor& x);

// ---- reductions (autograd/ops/reduce.cpp) ----
// Without dims: over every element, giving a 0-dim tensor. Sum of bool or int64 is int64.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor max(const Tensor& x);
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor argmax(const Tensor& x);  // index into the flattened tensor
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
// Variance with Bessel's correction when unbiased (divide by n - 1), computed in two passes. Empty dims
// mean every dim: var(x, {}, false) is the biased variance of all elements. (There is deliberately no
// var(x, bool) overload: var(x, {1}) would silently pick it.)
Tensor var(const Tensor& x);
Tensor var(const Tensor& x, const Dims& dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x);
Tensor std(const Tensor& x, const Dims& dims, bool unbiased = true, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim = false);
// The p-norm (sum |x|^p)^(1/p); p may be infinity (max |x|). Gradient 0 at a zero vector.
Tensor norm(const Tensor& x, double p = 2);
Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim = false);

// ---- linear algebra and softmax (autograd/ops/matmul.cpp, softmax.cpp) ----
// matmul follows torch.matmul: 1-D x 1-D is a dot product, 2-D x 2-D a matrix product, and more
// dimensions a batched product with the batch dimensions broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// ---- fused layers (autograd/ops/linear.cpp, autograd/ops/batch_norm.cpp) ----
// torch.nn.functional.linear: y = x W^T + b for x (..., in), weight (out, in) and a bias that broadcasts to
// y's shape (..., out), usually (out,), or undefined (no bias). One GEMM that reads W transposed in place
// and adds a bias of shape (out,) or (..., out) as it stores y.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});
// torch.nn.functional.batch_norm of x (N, C, ...) per channel c (dim 1), statistics over every other dim:
//   y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c
// training: mean and biased var of the batch; running_mean / running_var, when defined, are updated in
// place to (1 - momentum) r + momentum s (with the unbiased batch variance). Otherwise the running
// statistics are used. weight, bias and (in training) the running statistics may be undefined.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);

// ---- convolution (autograd/ops/conv.cpp) ----
// torch.nn.functional.conv2d: x (N, C, H, W) or unbatched (C, H, W), weight (out_channels, C / groups, kH,
// kW), bias (out_channels,) or undefined; output (N, out_channels, Ho, Wo) with
// Ho = (H + 2 padding.h - dilation.h (kH - 1) - 1) / stride.h + 1, and likewise Wo.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Int2 stride = 1, Int2 padding = 0,
              Int2 dilation = 1, int64_t groups = 1);
// torch.nn.functional.conv_transpose2d (the gradient of conv2d with respect to its input): x (N, C, H, W) or
// (C, H, W), weight (C, out_channels / groups, kH, kW); output (N, out_channels, Ho, Wo) with
// Ho = (H - 1) stride.h - 2 padding.h + dilation.h (kH - 1) + output_padding.h + 1, and likewise Wo.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Int2 stride = 1,
                        Int2 padding = 0, Int2 output_padding = 0, int64_t groups = 1, Int2 dilation = 1);

// ---- pooling, resampling and padding (autograd/ops/pool.cpp, autograd/ops/resample.cpp) ----
// Pooling takes x (N, C, H, W) or (C, H, W) and works on each (H, W) plane, as torch.nn.functional does.
// Windows: output (oh, ow) covers rows oh * stride.h - padding.h + i * dilation.h, i in [0, kernel.h), and
// likewise columns. Output size: floor((H + 2 padding - dilation (kernel - 1) - 1) / stride) + 1, rounded
// up instead with ceil_mode, except that a last window starting in the bottom padding is dropped. padding
// is at most half the kernel. stride defaults to the kernel size.
// max_pool2d: the largest element of each window (padding never wins); its gradient goes to that one
// element. The indices are flat positions h * W + w within each plane (int64), as PyTorch's.
Tensor max_pool2d(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride = {}, Int2 padding = 0,
                  Int2 dilation = 1, bool ceil_mode = false);
ValuesIndices max_pool2d_with_indices(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride = {},
                                      Int2 padding = 0, Int2 dilation = 1, bool ceil_mode = false);
// The mean of each window. The divisor counts the window's positions inside the padded input
// (count_include_pad) or only those inside the input; divisor_override replaces it.
Tensor avg_pool2d(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride = {}, Int2 padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = {});
// The mean over rows floor(i H / Ho) .. ceil((i + 1) H / Ho) - 1 (likewise columns) for output (i, j).
Tensor adaptive_avg_pool2d(const Tensor& x, Int2 output_size);
// A scale factor per (height, width) for the upsampling forms that take one; one number: both.
struct Scale2 {
  Scale2(double v) : h(v), w(v) {}
  Scale2(double h_, double w_) : h(h_), w(w_) {}
  double h, w;
};
// Upsampling of x (N, C, H, W) to (N, C, Ho, Wo).
// F.interpolate(mode="nearest"): output (oh, ow) copies input (min(floor(oh * H / Ho), H - 1), ...),
// the ratio in float32 as PyTorch. The _scale forms make the output floor(H * scale) and use 1 / scale
// as the ratio (PyTorch's default recompute_scale_factor=None).
Tensor upsample_nearest2d(const Tensor& x, Int2 size);
Tensor upsample_nearest2d_scale(const Tensor& x, Scale2 scale_factor);
// F.interpolate(mode="bilinear"): output row oh reads source position s = oh (H - 1) / (Ho - 1) with
// align_corners, else max(0, (oh + 0.5) r - 0.5) with r = H / Ho (or 1 / scale), and mixes rows
// floor(s) and floor(s) + 1 (clamped to H - 1) with weights 1 - frac(s) and frac(s); likewise columns.
Tensor upsample_bilinear2d(const Tensor& x, Int2 size, bool align_corners = false);
Tensor upsample_bilinear2d_scale(const Tensor& x, Scale2 scale_factor, bool align_corners = false);
// F.pad: pad = {left, right} for the last dim, then {top, bottom} for the one before, and so on.
// Constant fills with value and takes negative padding as cropping. Reflect mirrors about the edge
// element (each pad less than the size) and Replicate repeats it; as in PyTorch they pad the last dim
// of a 2-D or 3-D input, the last 2 of a 3-D or 4-D one, or the last 3 of a 4-D or 5-D one.
enum class PadMode { Constant, Reflect, Replicate };
Tensor pad(const Tensor& x, const std::vector<int64_t>& pad, PadMode mode = PadMode::Constant, double value = 0);

// ---- recurrent cells (autograd/ops/lstm_cell.cpp) ----
// One LSTM step from its pre-activation gates and the previous cell state, as torch.nn.LSTMCell computes
// after its two matrix products: gates (B, 4H) = x W_ih^T + b_ih + h W_hh^T + b_hh, in PyTorch's order
// (input, forget, cell, output), and c (B, H). With sigma the logistic function:
//   i = sigma(g_i)  f = sigma(g_f)  g = tanh(g_g)  o = sigma(g_o)
//   c' = f * c + i * g      h' = o * tanh(c')
// One fused kernel forward and one backward (tensor/lstm_math.h has the per-element math).
struct LstmState {
  Tensor h;  // (B, H)
  Tensor c;  // (B, H)
};
LstmState lstm_cell(const Tensor& gates, const Tensor& c);

// (autograd/ops/lstm_sequence.cpp) One LSTM layer over T steps: gates_t = xp[t] + h_{t-1} W_hh^T and
// (h_t, c_t) = lstm_cell(gates_t, c_{t-1}), from h_0 = h0 and c_0 = c0, as one graph node whose
// backward computes W_hh's gradient in one product over all steps. xp (T, B, 4H) holds each step's input
// projection x_t W_ih^T + b_ih + b_hh; w_hh is (4H, H), h0 and c0 (B, H). nn::LSTM runs its layers on it.
struct LstmSequence {
  Tensor h;    // (T, B, H): h_1 .. h_T
  Tensor h_n;  // (B, H): h_T
  Tensor c_n;  // (B, H): c_T
};
LstmSequence lstm_sequence(const Tensor& xp, const Tensor& w_hh, const Tensor& h0, const Tensor& c0);

// ---- normalization and attention (autograd/ops/layer_norm.cpp, autograd/ops/attention.cpp) ----
// torch.nn.functional.layer_norm: each row of x is its last normalized_shape.size() dims (N elements):
//   mu = mean(x)  var = mean((x - mu)^2) (biased)  x^ = (x - mu) / sqrt(var + eps)  y = x^ * weight + bias
//   dx = rstd * (g - mean(g) - x^ * mean(g * x^)) with g = dy * weight;  dweight = sum(dy * x^);  dbias = sum(dy)
// weight and bias have shape normalized_shape, or are undefined (1 and 0). One fused kernel each way.
Tensor layer_norm(const Tensor& x, const std::vector<int64_t>& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// torch.nn.functional.scaled_dot_product_attention (PyTorch 2's semantics) for query (..., L, E), key
// (..., S, E) and value (..., S, Ev) with the same batch dims (...); the output is (..., L, Ev):
//   P = softmax(q k^T * scale + M)   (over the S keys)   out = dropout(P, dropout_p) v
// scale defaults to 1 / sqrt(E). attn_mask, when defined, broadcasts to (..., L, S): bool (true: may
// attend, false: M = -inf) or floating (added to the scores). is_causal: query l attends to keys s <= l
// (top-left aligned, as PyTorch), and excludes attn_mask. A query row that may attend to no key gives 0
// (and no gradient), not NaN. One fused kernel each way, computed block by block with an online softmax:
// memory grows with L + S, not L * S. Dropout (while dropout_p > 0) draws from gen. A floating attn_mask
// gets no gradient: one that requires grad (with grad mode on) is an error.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0, bool is_causal = false,
                                    std::optional<double> scale = {}, Generator& gen = default_generator());

// ---- joining, splitting and indexing (autograd/ops/index.cpp) ----
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
// The slices x[..., i, ...] along dim (removed), as torch.unbind; unlike calling select per slice, its
// backward is linear in the number of slices (autograd/ops/unbind.cpp).
std::vector<Tensor> unbind(const Tensor& x, int64_t dim = 0);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor one_hot(const Tensor& index, int64_t num_classes = -1);  // int64 (..., num_classes)

}  // namespace muse
