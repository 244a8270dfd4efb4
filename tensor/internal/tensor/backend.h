// The backend interface: every kernel muse runs, per device. autograd/ calls these; tensor/cpu/
// implements them with Eigen and the thread pool, cuda/ with cuBLAS and our kernels.
//
// Conventions: unless a method says otherwise, input arrays are contiguous and outputs are contiguous
// and already allocated with the right shape and dtype (autograd/ validates shapes, dtypes and dims
// before calling, and makes inputs contiguous). Reductions, softmax and index_select see their input
// as a contiguous (outer, n, inner) block and work along the middle axis. Kernels that read indices
// check their range and throw muse::Error naming the op.
#pragma once

#include <cstdint>

#include "muse/device.h"
#include "muse/generator.h"
#include "tensor/array.h"
#include "tensor/conv_math.h"

namespace muse {

enum class UnaryOp : uint8_t {
  Neg, Exp, Log, Log1p, Sqrt, Rsqrt, Abs, Sin, Cos, Tanh, Sigmoid, Relu,
  LeakyRelu,  // p.a = negative slope
  Gelu,       // exact: x * Phi(x)
  GeluTanh,   // tanh approximation
  Silu, Softplus,  // softplus: p.a = beta, p.b = threshold
  Clamp,      // p.a = min, p.b = max (use +-infinity for a missing bound)
  Pow,        // x ^ p.a
  LogicalNot, // bool -> bool
};
struct UnaryParams {
  double a = 0;
  double b = 0;
};

enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,
  Eq, Ne, Lt, Le, Gt, Ge,  // produce bool
  LogicalAnd, LogicalOr,   // bool x bool -> bool
};

enum class ReduceOp : uint8_t { Sum, Mean, Max, Min };

// Hyperparameters of one fused Adam / AdamW step (see tensor/optim_math.h for the update).
struct AdamParams { double lr, beta1, beta2, eps, weight_decay; double bias_correction1 /* 1 - beta1^t */, bias_correction2 /* 1 - beta2^t */; bool decoupled /* AdamW */; bool amsgrad; };

// The windows of a 2-D pooling, per (height, width): kernel size, stride, padding, dilation. Output
// (oh, ow) reads input rows oh * sh - ph + i * dh for i in [0, kh), likewise columns (tensor/pool_math.h).
struct Pool2dParams { int64_t kh, kw, sh, sw, ph, pw, dh, dw; };

// One fused attention call (tensor/attention_math.h): scores scale * q k^T, keys s > l masked when
// causal, dropout of P with probability dropout_p from Philox counters (seed, offset + ...).
struct AttentionParams { double scale; bool causal; double dropout_p; uint64_t seed, offset; };

class Backend {
 public:
  virtual ~Backend() = default;

  virtual void* allocate(size_t nbytes) = 0;
  virtual void release(void* ptr, size_t nbytes) = 0;

  // dst = src, elementwise, converting dtype if they differ. Both may have any strides (this is the
  // one kernel that understands arbitrary strides); shapes are equal.
  virtual void copy(const Array& src, const Array& dst) = 0;
  // Every element of dst (any strides) = value.
  virtual void fill(const Array& dst, double value) = 0;
  // out[i] = start + i * step.
  virtual void iota(const Array& out, double start, double step) = 0;

  // y = f(x); dx = dy * f'(x) (x is the forward input).
  virtual void unary(UnaryOp op, const Array& x, const Array& y, UnaryParams p) = 0;
  virtual void unary_backward(UnaryOp op, const Array& x, const Array& dy, const Array& dx,
                              UnaryParams p) = 0;
  // out = a op b, with a and b broadcast to out's shape (NumPy rules; shapes already checked).
  // out may alias a when a has out's shape (in-place accumulation).
  virtual void binary(BinaryOp op, const Array& a, const Array& b, const Array& out) = 0;
  // out = cond ? a : b, all three broadcast to out's shape; cond is bool.
  virtual void where(const Array& cond, const Array& a, const Array& b, const Array& out) = 0;

  // out (outer, inner) = op over the middle axis of x (outer, n, inner). Sum of int64 stays int64.
  virtual void reduce(ReduceOp op, const Array& x, int64_t outer, int64_t n, int64_t inner,
                      const Array& out) = 0;
  // Max or Min with the index of the first extreme element (int64); NaN counts as the extreme.
  virtual void arg_reduce(ReduceOp op, const Array& x, int64_t outer, int64_t n, int64_t inner,
                          const Array& values, const Array& indices) = 0;
  // Two-pass variance: sum((x - mean)^2) / (n - correction).
  virtual void variance(const Array& x, int64_t outer, int64_t n, int64_t inner, double correction,
                        const Array& out) = 0;
  // log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m the maximum.
  virtual void logsumexp(const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out) = 0;
  // y = softmax(x) or log_softmax(x) along the middle axis, max subtracted first.
  virtual void softmax(const Array& x, int64_t outer, int64_t n, int64_t inner, bool log,
                       const Array& y) = 0;
  // softmax: dx = y * (dy - sum(dy * y));  log_softmax: dx = dy - exp(y) * sum(dy).
  virtual void softmax_backward(const Array& y, const Array& dy, int64_t outer, int64_t n,
                                int64_t inner, bool log, const Array& dx) = 0;

  // c[i] = op(a[i]) @ op(b[i]) for i in [0, batch): a is (batch_a, M, K) or, with trans_a,
  // (batch_a, K, M); b is (batch_b, K, N) or (batch_b, N, K). batch_a and batch_b are 1 or c's batch
  // (a batch of 1 is reused for every i). c is (batch, M, N). All three are 3-D and contiguous.
  // With add defined, c[i] = op(a[i]) @ op(b[i]) + add[i], added as the product's tiles are stored:
  // add has c's shape and unit stride along N; its other strides may be 0 (an expanded bias) and it
  // may be c itself (accumulate).
  virtual void matmul(const Array& a, bool trans_a, const Array& b, bool trans_b, const Array& c,
                      const Array& add = Array()) = 0;

  // The patches of a 2-D convolution as a matrix, and its adjoint (index math in tensor/conv_math.h).
  // im2col: cols (C*kh*kw, N*Ho*Wo)[(c, i, j), (n, oh, ow)] = x (N, C, H, W)[n, c, ih, iw] with
  // ih = oh*sh - ph + i*dh, iw = ow*sw - pw + j*dw, and 0 where (ih, iw) falls in the padding.
  // col2im: dx (N, C, H, W) = the sum of every entry of cols onto the position im2col read it from;
  // dx is overwritten, not accumulated into. x / dx have geometry g's image shape; float dtypes.
  virtual void im2col(const Array& x, const ConvGeometry& g, const Array& cols) = 0;
  virtual void col2im(const Array& cols, const ConvGeometry& g, const Array& dx) = 0;

  // out (outer, k, inner) = x (outer, n, inner) at the k int64 positions in index.
  virtual void index_select(const Array& x, int64_t outer, int64_t n, int64_t inner,
                            const Array& index, const Array& out) = 0;
  // dx (outer, n, inner) += dy (outer, k, inner) at the positions in index (repeats accumulate).
  virtual void index_add(const Array& dy, int64_t outer, int64_t n, int64_t inner, const Array& index,
                         const Array& dx) = 0;
  // out[..., j, ...] = x[..., index[..., j, ...], ...] along dim; out has index's shape, and index's
  // other sizes are at most x's.
  virtual void gather(const Array& x, int64_t dim, const Array& index, const Array& out) = 0;
  // dst[..., index[..., j, ...], ...] += src[..., j, ...] along dim, in place; src has index's shape.
  virtual void scatter_add(const Array& dst, int64_t dim, const Array& index, const Array& src) = 0;

  // Max pooling of x (planes, H, W) into values and int64 indices (planes, Ho, Wo): the largest element
  // of each window, ignoring positions in the padding (the first of equal ones; a NaN wins, the last
  // NaN when several), and its flat position h * W + w within the plane, as PyTorch's
  // max_pool2d_with_indices. The backward is scatter_add of dy at those positions.
  virtual void max_pool2d(const Array& x, const Pool2dParams& p, const Array& values, const Array& indices) = 0;

  // One fused LSTM step (per-element math in tensor/lstm_math.h). gates (B, 4H) are pre-activations in
  // PyTorch's order (input, forget, cell, output), c (B, H) the previous cell state. Writes act (B, 4H)
  // = (sigma(a_i), sigma(a_f), tanh(a_g), sigma(a_o)) for the backward, c_out = f c + i g and
  // h_out = o tanh(c_out) (B, H). h_out and c_out may be contiguous views into one (2, B, H) state.
  virtual void lstm_cell_forward(const Array& gates, const Array& c, const Array& act, const Array& h_out,
                                 const Array& c_out) = 0;
  // Its backward from the forward's act, c and c_out, and the gradients dh of h_out and dc of c_out
  // (B, H); either may be an empty Array (!defined()), which means zero. Writes dgates (B, 4H) and
  // dc_prev (B, H). dh and dc may be contiguous views into one (2, B, H) gradient.
  virtual void lstm_cell_backward(const Array& act, const Array& c, const Array& c_out, const Array& dh,
                                  const Array& dc, const Array& dgates, const Array& dc_prev) = 0;

  // Fused layer normalization of the R rows of x (R, N) (per-element math in tensor/layer_norm_math.h):
  // writes each row's mean and rstd = 1 / sqrt(biased var + eps) (R) and y = (x - mean) * rstd * w + b
  // (R, N). weight and bias (N) may be empty Arrays (1 and 0). Float dtypes; all in x's dtype.
  virtual void layer_norm_forward(const Array& x, const Array& weight, const Array& bias, double eps,
                                  const Array& y, const Array& mean, const Array& rstd) = 0;
  // Its backward from x, the forward's mean and rstd and dy (R, N): with x^ = (x - mean) * rstd and
  // g = dy * w, dx = rstd * (g - mean(g) - x^ * mean(g x^)) per row, dweight = sum over rows of dy x^,
  // dbias = sum over rows of dy (N). Any of dx, dweight, dbias may be an empty Array: not wanted.
  virtual void layer_norm_backward(const Array& x, const Array& weight, const Array& mean, const Array& rstd,
                                   const Array& dy, const Array& dx, const Array& dweight, const Array& dbias) = 0;
  // Fused scaled dot-product attention (tensor/attention_math.h), block by block with an online softmax:
  // q (B, L, E), k (B, S, E), v (B, S, Ev) contiguous; mask empty or (batch..., L, S) with any strides
  // (stride 0 where it broadcasts; batch... multiplies to B), bool or q's dtype. Writes out (B, L, Ev)
  // and the rows' log-sum-exp lse (B, L) of the masked scores (-inf for a row with no allowed key,
  // whose out is 0). Dropout (p.dropout_p > 0) uses counters [p.offset, p.offset + ceil(B L S / 4)).
  virtual void attention_forward(const Array& q, const Array& k, const Array& v, const Array& mask,
                                 const AttentionParams& p, const Array& out, const Array& lse) = 0;
  // Its backward from the forward's out and lse and dout (B, L, Ev); P is recomputed from q, k and lse.
  // Writes dq, dk, dv (q's, k's and v's shapes).
  virtual void attention_backward(const Array& q, const Array& k, const Array& v, const Array& mask,
                                  const AttentionParams& p, const Array& out, const Array& lse, const Array& dout,
                                  const Array& dq, const Array& dk, const Array& dv) = 0;

  // Random fills from a Philox stream: element i uses the generator's counters in order, so results
  // depend only on (seed, offset) and not on the number of threads.
  virtual void uniform(const Array& out, Generator& gen, double low, double high) = 0;
  virtual void normal(const Array& out, Generator& gen, double mean, double std) = 0;
  virtual void bernoulli(const Array& out, Generator& gen, double p) = 0;
  virtual void randint(const Array& out, Generator& gen, int64_t low, int64_t high) = 0;

  // One Adam / AdamW step in place, in a single pass over memory: param, exp_avg, exp_avg_sq (and
  // max_exp_avg_sq when p.amsgrad) are updated from grad by adam_element (tensor/optim_math.h).
  // All arrays have param's shape, dtype and device.
  virtual void adam(const Array& param, const Array& grad, const Array& exp_avg, const Array& exp_avg_sq, const Array& max_exp_avg_sq /* empty Array unless amsgrad */, const AdamParams& p) = 0;

  // Raw bytes between host memory and a contiguous array of this device: dst.numel() elements of
  // dst's dtype from src, or src.numel() elements of src's dtype into dst. The CPU's are memcpy.
  virtual void copy_from_host(const void* src, const Array& dst);
  virtual void copy_to_host(const Array& src, void* dst);
};

// The backend of a device. Throws muse::Error when that device has no backend in this build.
Backend& backend(Device device);
void register_backend(Device device, Backend* backend);

// dst = src for arrays on any devices, of any strides, converting dtype (shapes equal). On one device
// it is that backend's copy; between devices it goes through a contiguous buffer on the host.
void copy_across_devices(const Array& src, const Array& dst);

}  // namespace muse
