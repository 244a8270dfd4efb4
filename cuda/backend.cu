// The CUDA backend: the Backend interface forwarded to the kernels in cuda/, and its registration.
//
// Registration happens in a static initialiser of this file. A static library only contributes the
// object files that something references, so nothing would run it in a program that never names a
// CUDA symbol (say one that only calls x.to(kCUDA)); cuda/meson.build therefore links the executable
// with -u muse_cuda_backend_anchor, which forces this object (and its initialiser) in.
#include "cuda/allocator.h"
#include "cuda/kernels.h"

namespace muse::cuda {
namespace {

class CudaBackend final : public Backend {
 public:
  void* allocate(size_t n) override { return allocator::allocate(n); }
  void release(void* p, size_t n) override { allocator::release(p, n); }
  void copy(const Array& s, const Array& d) override { cuda::copy(s, d); }
  void fill(const Array& d, double v) override { cuda::fill(d, v); }
  void iota(const Array& o, double s, double st) override { cuda::iota(o, s, st); }
  void unary(UnaryOp op, const Array& x, const Array& y, UnaryParams p) override { cuda::unary(op, x, y, p); }
  void unary_backward(UnaryOp op, const Array& x, const Array& dy, const Array& dx, UnaryParams p) override {
    cuda::unary_backward(op, x, dy, dx, p);
  }
  void binary(BinaryOp op, const Array& a, const Array& b, const Array& o) override { cuda::binary(op, a, b, o); }
  void where(const Array& c, const Array& a, const Array& b, const Array& o) override { cuda::where(c, a, b, o); }
  void reduce(ReduceOp op, const Array& x, int64_t o, int64_t n, int64_t i, const Array& out) override {
    cuda::reduce(op, x, o, n, i, out);
  }
  void arg_reduce(ReduceOp op, const Array& x, int64_t o, int64_t n, int64_t i, const Array& v,
                  const Array& idx) override {
    cuda::arg_reduce(op, x, o, n, i, v, idx);
  }
  void variance(const Array& x, int64_t o, int64_t n, int64_t i, double c, const Array& out) override {
    cuda::variance(x, o, n, i, c, out);
  }
  void logsumexp(const Array& x, int64_t o, int64_t n, int64_t i, const Array& out) override {
    cuda::logsumexp(x, o, n, i, out);
  }
  void softmax(const Array& x, int64_t o, int64_t n, int64_t i, bool log, const Array& y) override {
    cuda::softmax(x, o, n, i, log, y);
  }
  void softmax_backward(const Array& y, const Array& dy, int64_t o, int64_t n, int64_t i, bool log,
                        const Array& dx) override {
    cuda::softmax_backward(y, dy, o, n, i, log, dx);
  }
  void matmul(const Array& a, bool ta, const Array& b, bool tb, const Array& c, const Array& add) override {
    cuda::matmul(a, ta, b, tb, c, add);
  }
  void im2col(const Array& x, const ConvGeometry& g, const Array& c) override { cuda::im2col(x, g, c); }
  void col2im(const Array& c, const ConvGeometry& g, const Array& dx) override { cuda::col2im(c, g, dx); }
  void index_select(const Array& x, int64_t o, int64_t n, int64_t i, const Array& idx, const Array& out) override {
    cuda::index_select(x, o, n, i, idx, out);
  }
  void index_add(const Array& dy, int64_t o, int64_t n, int64_t i, const Array& idx, const Array& dx) override {
    cuda::index_add(dy, o, n, i, idx, dx);
  }
  void gather(const Array& x, int64_t d, const Array& idx, const Array& out) override { cuda::gather(x, d, idx, out); }
  void max_pool2d(const Array& x, const Pool2dParams& p, const Array& v, const Array& idx) override {
    cuda::max_pool2d(x, p, v, idx);
  }
  void scatter_add(const Array& dst, int64_t d, const Array& idx, const Array& src) override {
    cuda::scatter_add(dst, d, idx, src);
  }
  void attention_forward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                         const Array& out, const Array& lse) override {
    cuda::attention_forward(q, k, v, mask, p, out, lse);
  }
  void attention_backward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                          const Array& out, const Array& lse, const Array& dout, const Array& dq, const Array& dk,
                          const Array& dv) override {
    cuda::attention_backward(q, k, v, mask, p, out, lse, dout, dq, dk, dv);
  }
  void lstm_cell_forward(const Array& g, const Array& c, const Array& a, const Array& h, const Array& co) override {
    cuda::lstm_cell_forward(g, c, a, h, co);
  }
  void lstm_cell_backward(const Array& a, const Array& c, const Array& co, const Array& dh, const Array& dc,
                          const Array& dg, const Array& dcp) override {
    cuda::lstm_cell_backward(a, c, co, dh, dc, dg, dcp);
  }
  void layer_norm_forward(const Array& x, const Array& w, const Array& b, double eps, const Array& y,
                          const Array& mean, const Array& rstd) override {
    cuda::layer_norm_forward(x, w, b, eps, y, mean, rstd);
  }
  void layer_norm_backward(const Array& x, const Array& w, const Array& mean, const Array& rstd, const Array& dy,
                           const Array& dx, const Array& dw, const Array& db) override {
    cuda::layer_norm_backward(x, w, mean, rstd, dy, dx, dw, db);
  }
  void adam(const Array& p, const Array& g, const Array& m, const Array& v, const Array& vmax,
            const AdamParams& a) override {
    cuda::adam(p, g, m, v, vmax, a);
  }
  void uniform(const Array& o, Generator& g, double lo, double hi) override { cuda::uniform(o, g, lo, hi); }
  void normal(const Array& o, Generator& g, double m, double s) override { cuda::normal(o, g, m, s); }
  void bernoulli(const Array& o, Generator& g, double p) override { cuda::bernoulli(o, g, p); }
  void randint(const Array& o, Generator& g, int64_t lo, int64_t hi) override { cuda::randint(o, g, lo, hi); }
  void copy_from_host(const void* src, const Array& dst) override { cuda::copy_from_host(src, dst); }
  void copy_to_host(const Array& src, void* dst) override { cuda::copy_to_host(src, dst); }
};

const bool kRegistered = [] {
  static CudaBackend instance;
  register_backend(Device::CUDA, &instance);
  return true;
}();

}  // namespace
}  // namespace muse::cuda

// Referenced by the linker flag -u (see the top of this file); its value is never read.
extern "C" {
const bool* muse_cuda_backend_anchor = &muse::cuda::kRegistered;
}
