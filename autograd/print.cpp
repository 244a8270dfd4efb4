// Printing like PyTorch: tensor([[1.0000, 2.5000], [3.0000, 4.0000]], shape=(2, 2), dtype=float32).
// Floats print as integers with a trailing '.' when all are whole, in fixed point with four decimals
// otherwise, and in scientific notation when the magnitudes span a wide range. Tensors of more than
// 1000 elements show the first and last three entries of each dimension.
#include <cmath>
#include <cstdio>
#include <string>

#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

constexpr int64_t kSummarizeAbove = 1000, kEdge = 3;

struct Formatter {
  DType dtype;
  enum { kWhole, kFixed, kScientific } style = kFixed;
  size_t width = 1;

  std::string format(double v) const {
    char buf[64];
    if (dtype == kBool) return v != 0 ? "True" : "False";
    if (dtype == kInt64) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else if (std::isnan(v)) return "nan";
    else if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    else if (style == kWhole) std::snprintf(buf, sizeof buf, "%.0f.", v);
    else if (style == kScientific) std::snprintf(buf, sizeof buf, "%.4e", v);
    else std::snprintf(buf, sizeof buf, "%.4f", v);
    return buf;
  }
  std::string padded(double v) const {
    std::string s = format(v);
    return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
  }
};

struct Printer {
  const std::vector<double>& values;
  const Shape& shape;
  const Formatter& fmt;
  bool summarize;
  std::string out;

  void print(int64_t dim, int64_t offset, int64_t indent) {
    if (dim == shape.size()) {
      out += fmt.padded(values[offset]);
      return;
    }
    int64_t n = shape[dim], stride = 1;
    for (int64_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
    out += '[';
    bool last = dim + 1 == shape.size();
    // Rows are separated by a newline, blocks of rows by a blank line; both indent to the bracket.
    std::string sep = last ? ", " : ",\n" + std::string(shape.size() - dim > 2 ? 1 : 0, '\n') +
                                        std::string(indent + 1, ' ');
    for (int64_t i = 0; i < n; ++i) {
      if (summarize && n > 2 * kEdge && i == kEdge) {
        out += last ? "..., " : "...,\n" + std::string(indent + 1, ' ');
        i = n - kEdge;
      }
      print(dim + 1, offset + i * stride, indent + 1);
      if (i + 1 < n) out += sep;
    }
    out += ']';
  }
};

Formatter make_formatter(const std::vector<double>& v, DType dtype) {
  Formatter f{dtype};
  if (is_floating(dtype)) {
    double lo = INFINITY, hi = 0;
    bool whole = true;
    for (double x : v) {
      if (!std::isfinite(x)) continue;
      whole = whole && x == std::floor(x);
      if (x != 0) lo = std::min(lo, std::abs(x)), hi = std::max(hi, std::abs(x));
    }
    if (hi >= 1e8 || (hi > 0 && (lo < 1e-4 || hi / lo > 1e3) && !whole)) f.style = Formatter::kScientific;
    else if (whole) f.style = Formatter::kWhole;
  }
  for (double x : v) f.width = std::max(f.width, f.format(x).size());
  return f;
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
  if (!t.defined()) return out << "tensor(undefined)";
  Tensor c = t.detach().to(kFloat64);
  std::vector<double> values = c.to_vector<double>();
  Formatter fmt = make_formatter(values, t.dtype());
  Printer p{values, t.shape(), fmt, t.numel() > kSummarizeAbove, ""};
  if (t.dim() == 0) p.out = fmt.format(values[0]);
  else p.print(0, 0, 7);
  out << "tensor(" << p.out << ", shape=" << t.shape() << ", dtype=" << t.dtype();
  if (t.device() != kCPU) out << ", device=" << t.device();
  if (!t.grad_fn_name().empty()) out << ", grad_fn=<" << t.grad_fn_name() << ">";
  else if (t.requires_grad()) out << ", requires_grad=True";
  return out << ")";
}

}  // namespace muse
