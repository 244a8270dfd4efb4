// The CUDA kernels' host entry points, one function per Backend method (contracts in tensor/backend.h).
// Private to cuda/: each family lives in its own .cu file beside this one.
#pragma once

#include "tensor/backend.h"

namespace muse::cuda {

// copy.cu
void copy(const Array& src, const Array& dst);
void fill(const Array& dst, double value);
void iota(const Array& out, double start, double step);
void copy_from_host(const void* src, const Array& dst);
void copy_to_host(const Array& src, void* dst);

// unary.cu
void unary(UnaryOp op, const Array& x, const Array& y, UnaryParams p);
void unary_backward(UnaryOp op, const Array& x, const Array& dy, const Array& dx, UnaryParams p);

// binary.cu
void binary(BinaryOp op, const Array& a, const Array& b, const Array& out);
void where(const Array& cond, const Array& a, const Array& b, const Array& out);

// reduce.cu
void reduce(ReduceOp op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out);
void arg_reduce(ReduceOp op, const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& values,
                const Array& indices);
void variance(const Array& x, int64_t outer, int64_t n, int64_t inner, double correction, const Array& out);
void logsumexp(const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& out);

// softmax.cu
void softmax(const Array& x, int64_t outer, int64_t n, int64_t inner, bool log, const Array& y);
void softmax_backward(const Array& y, const Array& dy, int64_t outer, int64_t n, int64_t inner, bool log,
                      const Array& dx);

// matmul.cu
void matmul(const Array& a, bool trans_a, const Array& b, bool trans_b, const Array& c, const Array& add);

// conv.cu
void im2col(const Array& x, const ConvGeometry& g, const Array& cols);
void col2im(const Array& cols, const ConvGeometry& g, const Array& dx);

// index.cu
void index_select(const Array& x, int64_t outer, int64_t n, int64_t inner, const Array& index,
                  const Array& out);
void index_add(const Array& dy, int64_t outer, int64_t n, int64_t inner, const Array& index, const Array& dx);
void gather(const Array& x, int64_t dim, const Array& index, const Array& out);
void scatter_add(const Array& dst, int64_t dim, const Array& index, const Array& src);

// pool.cu
void max_pool2d(const Array& x, const Pool2dParams& p, const Array& values, const Array& indices);

// lstm.cu
void lstm_cell_forward(const Array& gates, const Array& c, const Array& act, const Array& h_out,
                       const Array& c_out);
void lstm_cell_backward(const Array& act, const Array& c, const Array& c_out, const Array& dh, const Array& dc,
                        const Array& dgates, const Array& dc_prev);

// layer_norm.cu
void layer_norm_forward(const Array& x, const Array& weight, const Array& bias, double eps, const Array& y,
                        const Array& mean, const Array& rstd);
void layer_norm_backward(const Array& x, const Array& weight, const Array& mean, const Array& rstd, const Array& dy,
                         const Array& dx, const Array& dweight, const Array& dbias);
// attention.cu
void attention_forward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                       const Array& out, const Array& lse);
void attention_backward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                        const Array& out, const Array& lse, const Array& dout, const Array& dq, const Array& dk,
                        const Array& dv);

// random.cu
void uniform(const Array& out, Generator& gen, double low, double high);
void normal(const Array& out, Generator& gen, double mean, double std);
void bernoulli(const Array& out, Generator& gen, double p);
void randint(const Array& out, Generator& gen, int64_t low, int64_t high);

// optim.cu
void adam(const Array& param, const Array& grad, const Array& exp_avg, const Array& exp_avg_sq,
          const Array& max_exp_avg_sq, const AdamParams& a);

}  // namespace muse::cuda
