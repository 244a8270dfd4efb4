// The CPU backend: the Backend interface forwarded to the kernels in tensor/cpu/.
#include "tensor/allocator.h"
#include "tensor/cpu/kernels.h"

namespace muse {
namespace {

class CpuBackend final : public Backend {
 public:
  void* allocate(size_t n) override { return cpu_allocator::allocate(n); }
  void release(void* p, size_t n) override { cpu_allocator::release(p, n); }
  void copy(const Array& s, const Array& d) override { cpu::copy(s, d); }
  void fill(const Array& d, double v) override { cpu::fill(d, v); }
  void iota(const Array& o, double s, double st) override { cpu::iota(o, s, st); }
  void unary(UnaryOp op, const Array& x, const Array& y, UnaryParams p) override {
    cpu::unary(op, x, y, p);
  }
  void unary_backward(UnaryOp op, const Array& x, const Array& dy, const Array& dx,
                      UnaryParams p) override {
    cpu::unary_backward(op, x, dy, dx, p);
  }
  void binary(BinaryOp op, const Array& a, const Array& b, const Array& o) override {
    cpu::binary(op, a, b, o);
  }
  void where(const Array& c, const Array& a, const Array& b, const Array& o) override {
    cpu::where(c, a, b, o);
  }
  void reduce(ReduceOp op, const Array& x, int64_t o, int64_t n, int64_t i, const Array& out) override {
    cpu::reduce(op, x, o, n, i, out);
  }
  void arg_reduce(ReduceOp op, const Array& x, int64_t o, int64_t n, int64_t i, const Array& v,
                  const Array& idx) override {
    cpu::arg_reduce(op, x, o, n, i, v, idx);
  }
  void variance(const Array& x, int64_t o, int64_t n, int64_t i, double c, const Array& out) override {
    cpu::variance(x, o, n, i, c, out);
  }
  void logsumexp(const Array& x, int64_t o, int64_t n, int64_t i, const Array& out) override {
    cpu::logsumexp(x, o, n, i, out);
  }
  void softmax(const Array& x, int64_t o, int64_t n, int64_t i, bool log, const Array& y) override {
    cpu::softmax(x, o, n, i, log, y);
  }
  void softmax_backward(const Array& y, const Array& dy, int64_t o, int64_t n, int64_t i, bool log,
                        const Array& dx) override {
    cpu::softmax_backward(y, dy, o, n, i, log, dx);
  }
  void matmul(const Array& a, bool ta, const Array& b, bool tb, const Array& c, const Array& add) override {
    cpu::matmul(a, ta, b, tb, c, add);
  }
  void im2col(const Array& x, const ConvGeometry& g, const Array& c) override { cpu::im2col(x, g, c); }
  void col2im(const Array& c, const ConvGeometry& g, const Array& dx) override { cpu::col2im(c, g, dx); }
  void index_select(const Array& x, int64_t o, int64_t n, int64_t i, const Array& idx,
                    const Array& out) override {
    cpu::index_select(x, o, n, i, idx, out);
  }
  void index_add(const Array& dy, int64_t o, int64_t n, int64_t i, const Array& idx,
                 const Array& dx) override {
    cpu::index_add(dy, o, n, i, idx, dx);
  }
  void gather(const Array& x, int64_t d, const Array& idx, const Array& out) override {
    cpu::gather(x, d, idx, out);
  }
  void max_pool2d(const Array& x, const Pool2dParams& p, const Array& v, const Array& idx) override {
    cpu::max_pool2d(x, p, v, idx);
  }
  void scatter_add(const Array& dst, int64_t d, const Array& idx, const Array& src) override {
    cpu::scatter_add(dst, d, idx, src);
  }
  void uniform(const Array& o, Generator& g, double lo, double hi) override { cpu::uniform(o, g, lo, hi); }
  void normal(const Array& o, Generator& g, double m, double s) override { cpu::normal(o, g, m, s); }
  void bernoulli(const Array& o, Generator& g, double p) override { cpu::bernoulli(o, g, p); }
  void randint(const Array& o, Generator& g, int64_t lo, int64_t hi) override {
    cpu::randint(o, g, lo, hi);
  }
  void lstm_cell_forward(const Array& g, const Array& c, const Array& a, const Array& h, const Array& co) override {
    cpu::lstm_cell_forward(g, c, a, h, co);
  }
  void lstm_cell_backward(const Array& a, const Array& c, const Array& co, const Array& dh, const Array& dc,
                          const Array& dg, const Array& dcp) override {
    cpu::lstm_cell_backward(a, c, co, dh, dc, dg, dcp);
  }
  void layer_norm_forward(const Array& x, const Array& w, const Array& b, double eps, const Array& y,
                          const Array& mean, const Array& rstd) override {
    cpu::layer_norm_forward(x, w, b, eps, y, mean, rstd);
  }
  void layer_norm_backward(const Array& x, const Array& w, const Array& mean, const Array& rstd, const Array& dy,
                           const Array& dx, const Array& dw, const Array& db) override {
    cpu::layer_norm_backward(x, w, mean, rstd, dy, dx, dw, db);
  }
  void attention_forward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                         const Array& out, const Array& lse) override {
    cpu::attention_forward(q, k, v, mask, p, out, lse);
  }
  void attention_backward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                          const Array& out, const Array& lse, const Array& dout, const Array& dq, const Array& dk,
                          const Array& dv) override {
    cpu::attention_backward(q, k, v, mask, p, out, lse, dout, dq, dk, dv);
  }
  void adam(const Array& p, const Array& g, const Array& m, const Array& v, const Array& vmax,
            const AdamParams& a) override {
    cpu::adam(p, g, m, v, vmax, a);
  }
};

Backend* g_backends[2] = {nullptr, nullptr};

}  // namespace

Backend& backend(Device device) {
  static CpuBackend cpu_backend;
  if (device == Device::CPU) return cpu_backend;
  Backend* b = g_backends[static_cast<int>(device)];
  check(b != nullptr, "backend: no ", device, " backend in this build (muse was built without CUDA)");
  return *b;
}

void register_backend(Device device, Backend* b) { g_backends[static_cast<int>(device)] = b; }

}  // namespace muse
