// The elementwise ops: arithmetic with NumPy broadcasting, activations, comparisons and selection.
// Each op's forward formula and derivative sit above it. Unary ops run the fused unary_backward
// kernel (dx = dy * f'(x), recomputed from the saved x; math in tensor/elementwise_math.h); binary
// ops build their gradients from other ops, at the broadcast shape (the engine sums them down).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse {
namespace {

// Arithmetic takes float32, float64 and int64, not bool.
void check_numeric(const char* op, const Tensor& t) {
  check_defined(op, t);
  check(t.dtype() != kBool, op, ": expected a numeric tensor (float32, float64 or int64), got bool of shape ",
        t.shape(), "; convert it with .to()");
}

void check_bool(const char* op, const Tensor& t) {
  check_defined(op, t);
  check(t.dtype() == kBool, op, ": expected a bool tensor, got ", t.dtype(), " of shape ", t.shape(),
        "; make one with a comparison such as x > 0");
}

// y = f(x) by the unary kernel, same dtype as x.
Tensor unary_forward(UnaryOp op, const Tensor& x, UnaryParams p = {}) {
  Array y = Array::empty(x.shape(), x.dtype(), x.device());
  backend_of(x).unary(op, contiguous_array(x), y, p);
  return wrap(std::move(y));
}

// The backward of a unary op: dx = dy * f'(x) in one kernel pass.
BackwardFn unary_backward(UnaryOp op, const Tensor& x, UnaryParams p = {}) {
  return [x = save(x), op, p](const Tensor& dy) -> Gradients {
    Array dx = Array::empty(x.shape(), x.dtype(), x.device());
    backend_of(x).unary_backward(op, contiguous_array(x), contiguous_array(dy), dx, p);
    return {wrap(std::move(dx))};
  };
}

// y = f(x) for an op defined on floating-point tensors only.
Tensor float_unary(const char* name, UnaryOp op, const Tensor& x, UnaryParams p = {}) {
  check_floating(name, x);
  return unary_forward(op, x, p);
}

// out = a op b broadcast to their common shape, after the dtype, device and shape checks.
Tensor binary_forward(const char* name, BinaryOp op, const Tensor& a, const Tensor& b, DType out_dtype) {
  Shape shape = broadcast_shapes(name, a.shape(), b.shape());
  Array out = Array::empty(shape, out_dtype, a.device());
  backend_of(a).binary(op, contiguous_array(a), contiguous_array(b), out);
  return wrap(std::move(out));
}

void check_pair(const char* name, const Tensor& a, const Tensor& b) {
  check_defined(name, a);
  check_defined(name, b);
  check_same_dtype(name, a, b);
  check_same_device(name, a, b);
}

Tensor arithmetic(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  check_pair(name, a, b);
  check_numeric(name, a);
  return binary_forward(name, op, a, b, a.dtype());
}

Tensor float_binary(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  check_pair(name, a, b);
  check_floating(name, a);
  return binary_forward(name, op, a, b, a.dtype());
}

Tensor compare(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  check_pair(name, a, b);
  return binary_forward(name, op, a, b, kBool);
}

Tensor logical(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  check_bool(name, a);
  check_bool(name, b);
  check_same_device(name, a, b);
  return binary_forward(name, op, a, b, kBool);
}

Tensor scaled(const Tensor& t, double alpha) { return alpha == 1 ? t : t * alpha; }

// A plain number as a 0-dim tensor of the other operand's dtype.
Tensor number(double value, const Tensor& like, const char* op) {
  check_defined(op, like);
  return scalar_like(value, like);
}

}  // namespace

// ---- arithmetic ----

// out = a + alpha b;  d/da = 1, d/db = alpha
Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  check_pair("add", a, b);
  check_numeric("add", a);
  Tensor out = arithmetic("add", BinaryOp::Add, a, alpha == 1 ? b : scaled(b.detach(), alpha));
  return record("add", out, {a, b}, [alpha](const Tensor& dy) -> Gradients { return {dy, scaled(dy, alpha)}; });
}

// out = a - alpha b;  d/da = 1, d/db = -alpha
Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  check_pair("sub", a, b);
  check_numeric("sub", a);
  Tensor out = arithmetic("sub", BinaryOp::Sub, a, alpha == 1 ? b : scaled(b.detach(), alpha));
  return record("sub", out, {a, b}, [alpha](const Tensor& dy) -> Gradients { return {dy, scaled(dy, -alpha)}; });
}

// out = a b;  d/da = b, d/db = a
Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic("mul", BinaryOp::Mul, a, b);
  return record("mul", out, {a, b}, [a = save(a), b = save(b)](const Tensor& dy) -> Gradients {
    return {dy * b, dy * a};
  });
}

// out = a / b;  d/da = 1 / b, d/db = -a / b^2
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = float_binary("div", BinaryOp::Div, a, b);
  return record("div", out, {a, b}, [a = save(a), b = save(b)](const Tensor& dy) -> Gradients {
    return {dy / b, -(dy * a) / (b * b)};
  });
}

// y = -x;  dy/dx = -1
Tensor neg(const Tensor& x) {
  check_numeric("neg", x);
  return record("neg", unary_forward(UnaryOp::Neg, x), {x}, [](const Tensor& dy) -> Gradients { return {-dy}; });
}

// y = x^e;  dy/dx = e x^(e-1)
Tensor pow(const Tensor& x, double exponent) {
  UnaryParams p{.a = exponent};
  return record("pow", float_unary("pow", UnaryOp::Pow, x, p), {x}, unary_backward(UnaryOp::Pow, x, p));
}

// out = x^e;  d/dx = e x^(e-1),  d/de = x^e log(x), taken as 0 where x = 0 and e >= 0 (as PyTorch)
Tensor pow(const Tensor& x, const Tensor& exponent) {
  Tensor out = float_binary("pow", BinaryOp::Pow, x, exponent);
  return record("pow", out, {x, exponent}, [x = save(x), e = save(exponent), y = save(out)](const Tensor& dy)
                                              -> Gradients {
    Tensor dx = dy * e * pow(x, e - 1.0);
    Tensor de = where(logical_and(x == 0.0, e >= 0.0), 0.0, dy * y * log(x));
    return {dx, de};
  });
}

Tensor pow(double base, const Tensor& exponent) {
  check_floating("pow", exponent);
  return pow(number(base, exponent, "pow"), exponent);
}

// y = e^x;  dy/dx = e^x
Tensor exp(const Tensor& x) {
  return record("exp", float_unary("exp", UnaryOp::Exp, x), {x}, unary_backward(UnaryOp::Exp, x));
}

// y = log x;  dy/dx = 1 / x
Tensor log(const Tensor& x) {
  return record("log", float_unary("log", UnaryOp::Log, x), {x}, unary_backward(UnaryOp::Log, x));
}

// y = log(1 + x), accurate for small x;  dy/dx = 1 / (1 + x)
Tensor log1p(const Tensor& x) {
  return record("log1p", float_unary("log1p", UnaryOp::Log1p, x), {x}, unary_backward(UnaryOp::Log1p, x));
}

// y = sqrt x;  dy/dx = 1 / (2 sqrt x)
Tensor sqrt(const Tensor& x) {
  return record("sqrt", float_unary("sqrt", UnaryOp::Sqrt, x), {x}, unary_backward(UnaryOp::Sqrt, x));
}

// y = 1 / sqrt x;  dy/dx = -x^(-3/2) / 2
Tensor rsqrt(const Tensor& x) {
  return record("rsqrt", float_unary("rsqrt", UnaryOp::Rsqrt, x), {x}, unary_backward(UnaryOp::Rsqrt, x));
}

// y = |x|;  dy/dx = sign(x), 0 at 0
Tensor abs(const Tensor& x) {
  check_numeric("abs", x);
  return record("abs", unary_forward(UnaryOp::Abs, x), {x}, unary_backward(UnaryOp::Abs, x));
}

// y = sin x;  dy/dx = cos x
Tensor sin(const Tensor& x) {
  return record("sin", float_unary("sin", UnaryOp::Sin, x), {x}, unary_backward(UnaryOp::Sin, x));
}

// y = cos x;  dy/dx = -sin x
Tensor cos(const Tensor& x) {
  return record("cos", float_unary("cos", UnaryOp::Cos, x), {x}, unary_backward(UnaryOp::Cos, x));
}

// ---- activations ----

// y = tanh x;  dy/dx = 1 - y^2
Tensor tanh(const Tensor& x) {
  return record("tanh", float_unary("tanh", UnaryOp::Tanh, x), {x}, unary_backward(UnaryOp::Tanh, x));
}

// y = 1 / (1 + e^-x), stable for large |x|;  dy/dx = y (1 - y)
Tensor sigmoid(const Tensor& x) {
  return record("sigmoid", float_unary("sigmoid", UnaryOp::Sigmoid, x), {x}, unary_backward(UnaryOp::Sigmoid, x));
}

// y = max(x, 0);  dy/dx = [x > 0]
Tensor relu(const Tensor& x) {
  return record("relu", float_unary("relu", UnaryOp::Relu, x), {x}, unary_backward(UnaryOp::Relu, x));
}

// y = x for x > 0, slope x otherwise;  dy/dx = 1 or slope
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  UnaryParams p{.a = negative_slope};
  return record("leaky_relu", float_unary("leaky_relu", UnaryOp::LeakyRelu, x, p), {x},
                unary_backward(UnaryOp::LeakyRelu, x, p));
}

// "none":  y = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2;        dy/dx = Phi(x) + x phi(x)
// "tanh":  y = x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2; derivative in elementwise_math.h
Tensor gelu(const Tensor& x, std::string_view approximate) {
  check(approximate == "none" || approximate == "tanh", "gelu: approximate must be \"none\" or \"tanh\", got \"",
        std::string(approximate), "\"");
  UnaryOp op = approximate == "none" ? UnaryOp::Gelu : UnaryOp::GeluTanh;
  return record("gelu", float_unary("gelu", op, x), {x}, unary_backward(op, x));
}

// y = x sigmoid(x);  dy/dx = s (1 + x (1 - s)),  s = sigmoid(x)
Tensor silu(const Tensor& x) {
  return record("silu", float_unary("silu", UnaryOp::Silu, x), {x}, unary_backward(UnaryOp::Silu, x));
}

// y = log(1 + e^(beta x)) / beta, or x where beta x > threshold;  dy/dx = sigmoid(beta x) (or 1)
Tensor softplus(const Tensor& x, double beta, double threshold) {
  UnaryParams p{.a = beta, .b = threshold};
  return record("softplus", float_unary("softplus", UnaryOp::Softplus, x, p), {x},
                unary_backward(UnaryOp::Softplus, x, p));
}

// y = min(max(x, lo), hi), a missing bound being infinite;  dy/dx = [lo <= x <= hi]
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  check(min.has_value() || max.has_value(), "clamp: at least one of min and max must be given");
  constexpr double kInf = std::numeric_limits<double>::infinity();
  UnaryParams p{.a = min.value_or(-kInf), .b = max.value_or(kInf)};
  return record("clamp", float_unary("clamp", UnaryOp::Clamp, x, p), {x}, unary_backward(UnaryOp::Clamp, x, p));
}

// out = max(a, b);  d/da = [a > b] + [a = b] / 2,  d/db = [b > a] + [a = b] / 2 (ties split, as PyTorch)
Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic("maximum", BinaryOp::Maximum, a, b);
  return record("maximum", out, {a, b}, [a = save(a), b = save(b)](const Tensor& dy) -> Gradients {
    Tensor tie = where(a == b, dy * 0.5, 0.0);
    return {where(a > b, dy, tie), where(b > a, dy, tie)};
  });
}

// out = min(a, b);  d/da = [a < b] + [a = b] / 2,  d/db = [b < a] + [a = b] / 2
Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic("minimum", BinaryOp::Minimum, a, b);
  return record("minimum", out, {a, b}, [a = save(a), b = save(b)](const Tensor& dy) -> Gradients {
    Tensor tie = where(a == b, dy * 0.5, 0.0);
    return {where(a < b, dy, tie), where(b < a, dy, tie)};
  });
}

// ---- comparisons and logic (no gradients) ----

Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", BinaryOp::Ge, a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return logical("logical_and", BinaryOp::LogicalAnd, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical("logical_or", BinaryOp::LogicalOr, a, b); }

Tensor logical_not(const Tensor& x) {
  check_bool("logical_not", x);
  return unary_forward(UnaryOp::LogicalNot, x);
}

// ---- selection ----

// out = cond ? a : b, all three broadcast;  d/da = [cond], d/db = [not cond]
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_bool("where", cond);
  check_pair("where", a, b);
  check_same_device("where", cond, a);
  Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  Array out = Array::empty(shape, a.dtype(), a.device());
  backend_of(a).where(contiguous_array(cond), contiguous_array(a), contiguous_array(b), out);
  return record("where", wrap(std::move(out)), {a, b}, [c = save(cond)](const Tensor& dy) -> Gradients {
    return {where(c, dy, 0.0), where(c, 0.0, dy)};
  });
}

Tensor where(const Tensor& cond, const Tensor& a, double b) { return where(cond, a, number(b, a, "where")); }
Tensor where(const Tensor& cond, double a, const Tensor& b) { return where(cond, number(a, b, "where"), b); }

// y = mask ? value : x, with mask broadcast to x's shape (a where with a constant branch).
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_defined("masked_fill", x);
  check_bool("masked_fill", mask);
  Shape shape = broadcast_shapes("masked_fill", x.shape(), mask.shape());
  check(shape == x.shape(), "masked_fill: mask of shape ", mask.shape(), " does not broadcast to the input's shape ",
        x.shape());
  return where(mask, scalar_like(value, x), x);
}

// ---- whole-tensor tests ----

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  check_pair("allclose", a, b);
  if (a.shape() != b.shape()) return false;
  NoGradGuard no_grad;
  std::vector<double> va = a.to(kFloat64).to_vector<double>(), vb = b.to(kFloat64).to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i) {
    if (!(std::abs(va[i] - vb[i]) <= atol + rtol * std::abs(vb[i]))) return false;  // NaN fails here
  }
  return true;
}

bool equal(const Tensor& a, const Tensor& b) {
  check_pair("equal", a, b);
  if (a.shape() != b.shape()) return false;
  std::vector<bool> same = eq(a, b).to_vector<bool>();
  return std::all_of(same.begin(), same.end(), [](bool s) { return s; });
}

// ---- operators ----

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, number(b, a, "add")); }
Tensor operator-(const Tensor& a, double b) { return sub(a, number(b, a, "sub")); }
Tensor operator*(const Tensor& a, double b) { return mul(a, number(b, a, "mul")); }
Tensor operator/(const Tensor& a, double b) { return div(a, number(b, a, "div")); }
Tensor operator+(double a, const Tensor& b) { return add(number(a, b, "add"), b); }
Tensor operator-(double a, const Tensor& b) { return sub(number(a, b, "sub"), b); }
Tensor operator*(double a, const Tensor& b) { return mul(number(a, b, "mul"), b); }
Tensor operator/(double a, const Tensor& b) { return div(number(a, b, "div"), b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double b) { return eq(a, number(b, a, "eq")); }
Tensor operator!=(const Tensor& a, double b) { return ne(a, number(b, a, "ne")); }
Tensor operator<(const Tensor& a, double b) { return lt(a, number(b, a, "lt")); }
Tensor operator<=(const Tensor& a, double b) { return le(a, number(b, a, "le")); }
Tensor operator>(const Tensor& a, double b) { return gt(a, number(b, a, "gt")); }
Tensor operator>=(const Tensor& a, double b) { return ge(a, number(b, a, "ge")); }
Tensor operator&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
Tensor operator!(const Tensor& x) { return logical_not(x); }

}  // namespace muse
