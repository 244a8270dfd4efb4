// Fused scaled dot-product attention, forward and backward, in blocks of kRows queries by kCols keys
// so that no (L, S) matrix ever exists (FlashAttention-2, Dao 2023). With x = scale q k^T + M:
//   forward, per query row, over the key blocks in turn ("online softmax"):
//     m' = max(m, max_j x_j)   c = exp(m - m')   sum' = c sum + sum_j exp(x_j - m')
//     acc' = c acc + sum_j exp(x_j - m') Z_j v_j
//   then out = acc / sum and lse = m + log(sum), the row's log-sum-exp, the only softmax statistic kept.
//   backward, with P = exp(x - lse) recomputed block by block and Z the regenerated dropout factors:
//     dv = (P o Z)^T dout    dP = (dout v^T) o Z    D = rowsum(dout o out) = rowsum(P o dP)
//     dx = P o (dP - D)      dq = scale dx k        dk = scale dx^T q
// A query row with no allowed key has sum = 0: its out is 0, its lse -inf, and it gets no gradient.
// Each product inside a block is an Eigen GEMM on (at most) 64 x 64 tiles. The forward and the dq pass
// share the (batch, query block) tasks among the threads; dk and dv are summed over queries, so they
// get a second pass over (batch, key block) tasks, each owning its rows of dk and dv (no atomics, at
// the price of recomputing the scores once more than the single-pass GPU scheme).
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tensor/attention_math.h"
#include "tensor/cpu/dispatch.h"
#include "tensor/cpu/kernels.h"
#include "tensor/elementwise_math.h"
#include "tensor/parallel.h"

namespace muse::cpu {
namespace {

constexpr int64_t kRows = 64;  // queries per block
constexpr int64_t kCols = 64;  // keys per block

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ConstMap = Eigen::Map<const Matrix<T>>;
template <class T>
using Map = Eigen::Map<Matrix<T>>;

template <class T>
constexpr T kInf = std::numeric_limits<T>::infinity();

// One call's operands and geometry. q (B, L, E), k (B, S, E), v (B, S, Ev), out (B, L, Ev), lse (B, L).
template <class T>
struct Problem {
  const T *q, *k, *v, *out, *lse;
  int64_t B, L, S, E, Ev;
  T scale;
  bool causal;
  AttentionMask mask;
  Dropout drop;

  Problem(const Array& qa, const Array& ka, const Array& va, const Array& mask_a, const AttentionParams& p,
          const Array& out_a, const Array& lse_a)
      : q(qa.data<T>()), k(ka.data<T>()), v(va.data<T>()), out(out_a.data<T>()), lse(lse_a.data<T>()),
        B(qa.shape[0]), L(qa.shape[1]), S(ka.shape[1]), E(qa.shape[2]), Ev(va.shape[2]),
        scale(static_cast<T>(p.scale)), causal(p.causal), mask(attention_mask_view(mask_a)), drop(p) {}

  ConstMap<T> rows(const T* x, int64_t b, int64_t n_rows, int64_t first, int64_t count, int64_t width) const {
    return ConstMap<T>(x + (b * n_rows + first) * width, count, width);
  }
  ConstMap<T> q_rows(int64_t b, int64_t l0, int64_t r) const { return rows(q, b, L, l0, r, E); }
  ConstMap<T> k_rows(int64_t b, int64_t s0, int64_t n) const { return rows(k, b, S, s0, n, E); }
  ConstMap<T> v_rows(int64_t b, int64_t s0, int64_t n) const { return rows(v, b, S, s0, n, Ev); }
  // Keys [0, key_end) can be allowed for queries below l1; queries from query_begin on can see key s0.
  int64_t key_end(int64_t l1) const { return causal ? std::min(S, l1) : S; }
  int64_t query_begin(int64_t s0) const { return causal ? std::min(s0, L) / kRows * kRows : 0; }
};

// The per-thread tiles: x holds scores then probabilities, dp the gradient of P, z the dropout factors.
template <class T>
struct Tiles {
  std::vector<T> x, dp, z, d;
  Tiles() : x(kRows * kCols), dp(kRows * kCols), z(kRows * kCols), d(kRows) {}
};

// x (r, n) = scale q[l0, l0 + r) k[s0, s0 + n)^T + M for batch b, with -inf where a key is masked.
template <class T>
void block_scores(const Problem<T>& pr, int64_t b, int64_t l0, int64_t r, int64_t s0, int64_t n, T* x) {
  Map<T> xm(x, r, n);
  if (pr.E == 0) xm.setZero();
  else xm.noalias() = pr.scale * (pr.q_rows(b, l0, r) * pr.k_rows(b, s0, n).transpose());
  const AttentionMask& m = pr.mask;
  int64_t base = m.batch_offset(b);
  for (int64_t i = 0; i < r; ++i) {
    T* row = x + i * n;
    int64_t at = base + (l0 + i) * m.stride_l + s0 * m.stride_s;
    if (m.kind == AttentionMask::kBool) {
      const bool* allowed = static_cast<const bool*>(m.data) + at;
      for (int64_t j = 0; j < n; ++j) row[j] = allowed[j * m.stride_s] ? row[j] : -kInf<T>;
    } else if (m.kind == AttentionMask::kAdditive) {
      const T* add = static_cast<const T*>(m.data) + at;
      for (int64_t j = 0; j < n; ++j) row[j] += add[j * m.stride_s];
    }
    if (pr.causal)  // keys s > l, i.e. j > l0 + i - s0
      for (int64_t j = std::max<int64_t>(0, l0 + i - s0 + 1); j < n; ++j) row[j] = -kInf<T>;
  }
}

// z (r, n) = the dropout factors of P's block (l0, s0) of batch b.
template <class T>
void block_dropout(const Problem<T>& pr, int64_t b, int64_t l0, int64_t r, int64_t s0, int64_t n, T* z) {
  for (int64_t i = 0; i < r; ++i)
    pr.drop.factors(static_cast<uint64_t>(((b * pr.L) + l0 + i) * pr.S + s0), n, z + i * n);
}

// One online-softmax step for a row: folds the scores x[0, n) into the running max m and sum, turns x
// into exp(x - m'), and returns c = exp(m - m'), the factor that rescales what was summed before.
template <class T>
T online_softmax_step(T* x, int64_t n, T& m, T& sum) {
  T block_max = -kInf<T>;
  for (int64_t j = 0; j < n; ++j) block_max = std::max(block_max, x[j]);
  T m_new = std::max(m, block_max);
  if (m_new == -kInf<T>) {  // every key so far masked: nothing to add
    std::fill(x, x + n, T(0));
    return T(1);
  }
  T s = 0;
  for (int64_t j = 0; j < n; ++j) s += x[j] = ew::exp(x[j] - m_new);
  T c = ew::exp(m - m_new);  // 0 when m = -inf
  sum = c * sum + s;
  m = m_new;
  return c;
}

// Rows [l0, l0 + r) of batch b: out (r, Ev) and lse (r).
template <class T>
void forward_block(const Problem<T>& pr, int64_t b, int64_t l0, int64_t r, T* out, T* lse, Tiles<T>& t) {
  Map<T> acc(out, r, pr.Ev);  // accumulated in place
  acc.setZero();
  T m[kRows], sum[kRows];
  std::fill(m, m + r, -kInf<T>);
  std::fill(sum, sum + r, T(0));
  for (int64_t s0 = 0; s0 < pr.key_end(l0 + r); s0 += kCols) {
    int64_t n = std::min(kCols, pr.S - s0);
    block_scores(pr, b, l0, r, s0, n, t.x.data());
    if (pr.drop.on) block_dropout(pr, b, l0, r, s0, n, t.z.data());
    for (int64_t i = 0; i < r; ++i) {
      T* row = t.x.data() + i * n;
      T c = online_softmax_step(row, n, m[i], sum[i]);
      if (c != T(1)) acc.row(i) *= c;
      if (pr.drop.on)
        for (int64_t j = 0; j < n; ++j) row[j] *= t.z[i * n + j];
    }
    acc.noalias() += ConstMap<T>(t.x.data(), r, n) * pr.v_rows(b, s0, n);
  }
  for (int64_t i = 0; i < r; ++i) {
    bool any = sum[i] > T(0);
    if (any) acc.row(i) /= sum[i];
    else acc.row(i).setZero();
    lse[i] = any ? m[i] + std::log(sum[i]) : -kInf<T>;
  }
}

// Threads take whole tasks; a task is worth at least one block of GEMM work, so small calls stay on one
// thread.
int64_t task_grain(int64_t work_per_task) { return std::max<int64_t>(1, kGrain * 8 / std::max<int64_t>(1, work_per_task)); }

}  // namespace

void attention_forward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                       const Array& out, const Array& lse) {
  if (q.numel() == 0 && out.numel() == 0 && lse.numel() == 0) return;
  dispatch_float(q.dtype, "scaled_dot_product_attention", [&]<class T>() {
    Problem<T> pr(q, k, v, mask, p, out, lse);
    int64_t blocks = (pr.L + kRows - 1) / kRows;
    T *po = out.data<T>(), *pl = lse.data<T>();
    int64_t work = kRows * pr.S * (pr.E + pr.Ev);
    parallel::parallel_for(pr.B * blocks, task_grain(work), [&](int64_t begin, int64_t end) {
      Tiles<T> t;
      for (int64_t task = begin; task < end; ++task) {
        int64_t b = task / blocks, l0 = task % blocks * kRows, r = std::min(kRows, pr.L - l0);
        forward_block(pr, b, l0, r, po + (b * pr.L + l0) * pr.Ev, pl + b * pr.L + l0, t);
      }
    });
  });
}

namespace {

// For block (l0, s0) of batch b, from the recomputed P: t.x = P o Z and t.dp = dx = P o (dP - D), with
// dP = (dout v^T) o Z. t.d holds D for the r rows (filled by the caller).
template <class T>
void block_gradients(const Problem<T>& pr, const T* dout, int64_t b, int64_t l0, int64_t r, int64_t s0, int64_t n,
                     Tiles<T>& t) {
  T* x = t.x.data();
  block_scores(pr, b, l0, r, s0, n, x);
  const T* lse = pr.lse + b * pr.L + l0;
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < n; ++j) x[i * n + j] = lse[i] == -kInf<T> ? T(0) : ew::exp(x[i * n + j] - lse[i]);
  Map<T> dp(t.dp.data(), r, n);
  if (pr.Ev == 0) dp.setZero();
  else dp.noalias() = pr.rows(dout, b, pr.L, l0, r, pr.Ev) * pr.v_rows(b, s0, n).transpose();
  if (pr.drop.on) block_dropout(pr, b, l0, r, s0, n, t.z.data());
  for (int64_t i = 0; i < r; ++i) {
    T* p = x + i * n;
    T* d = t.dp.data() + i * n;
    if (pr.drop.on) {
      const T* z = t.z.data() + i * n;
      for (int64_t j = 0; j < n; ++j) d[j] = p[j] * (d[j] * z[j] - t.d[i]), p[j] *= z[j];
    } else {
      for (int64_t j = 0; j < n; ++j) d[j] = p[j] * (d[j] - t.d[i]);
    }
  }
}

// D (r) = rowsum(dout o out) for rows [l0, l0 + r) of batch b.
template <class T>
void row_dots(const Problem<T>& pr, const T* dout, int64_t b, int64_t l0, int64_t r, T* d) {
  ConstMap<T> o = pr.rows(pr.out, b, pr.L, l0, r, pr.Ev), g = pr.rows(dout, b, pr.L, l0, r, pr.Ev);
  for (int64_t i = 0; i < r; ++i) d[i] = pr.Ev == 0 ? T(0) : o.row(i).dot(g.row(i));
}

// dq for rows [l0, l0 + r) of batch b: sum over key blocks of scale dx k.
template <class T>
void dq_block(const Problem<T>& pr, const T* dout, int64_t b, int64_t l0, int64_t r, T* dq, Tiles<T>& t) {
  Map<T> acc(dq, r, pr.E);
  acc.setZero();
  row_dots(pr, dout, b, l0, r, t.d.data());
  for (int64_t s0 = 0; s0 < pr.key_end(l0 + r); s0 += kCols) {
    int64_t n = std::min(kCols, pr.S - s0);
    block_gradients(pr, dout, b, l0, r, s0, n, t);
    acc.noalias() += ConstMap<T>(t.dp.data(), r, n) * pr.k_rows(b, s0, n);
  }
  acc *= pr.scale;
}

// dk and dv for keys [s0, s0 + n) of batch b: sums over query blocks of scale dx^T q and (P o Z)^T dout.
template <class T>
void dkv_block(const Problem<T>& pr, const T* dout, int64_t b, int64_t s0, int64_t n, T* dk, T* dv, Tiles<T>& t) {
  Map<T> dk_acc(dk, n, pr.E), dv_acc(dv, n, pr.Ev);
  dk_acc.setZero();
  dv_acc.setZero();
  for (int64_t l0 = pr.query_begin(s0); l0 < pr.L; l0 += kRows) {
    int64_t r = std::min(kRows, pr.L - l0);
    row_dots(pr, dout, b, l0, r, t.d.data());
    block_gradients(pr, dout, b, l0, r, s0, n, t);
    dv_acc.noalias() += ConstMap<T>(t.x.data(), r, n).transpose() * pr.rows(dout, b, pr.L, l0, r, pr.Ev);
    dk_acc.noalias() += ConstMap<T>(t.dp.data(), r, n).transpose() * pr.q_rows(b, l0, r);
  }
  dk_acc *= pr.scale;
}

}  // namespace

void attention_backward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                        const Array& out, const Array& lse, const Array& dout, const Array& dq, const Array& dk,
                        const Array& dv) {
  dispatch_float(q.dtype, "scaled_dot_product_attention", [&]<class T>() {
    Problem<T> pr(q, k, v, mask, p, out, lse);
    const T* g = dout.data<T>();
    int64_t work = kRows * (pr.L + pr.S) * (pr.E + pr.Ev);
    int64_t q_blocks = (pr.L + kRows - 1) / kRows, k_blocks = (pr.S + kCols - 1) / kCols;
    T *pdq = dq.data<T>(), *pdk = dk.data<T>(), *pdv = dv.data<T>();
    parallel::parallel_for(pr.B * q_blocks, task_grain(work), [&](int64_t begin, int64_t end) {
      Tiles<T> t;
      for (int64_t task = begin; task < end; ++task) {
        int64_t b = task / q_blocks, l0 = task % q_blocks * kRows;
        dq_block(pr, g, b, l0, std::min(kRows, pr.L - l0), pdq + (b * pr.L + l0) * pr.E, t);
      }
    });
    parallel::parallel_for(pr.B * k_blocks, task_grain(work), [&](int64_t begin, int64_t end) {
      Tiles<T> t;
      for (int64_t task = begin; task < end; ++task) {
        int64_t b = task / k_blocks, s0 = task % k_blocks * kCols;
        dkv_block(pr, g, b, s0, std::min(kCols, pr.S - s0), pdk + (b * pr.S + s0) * pr.E,
                  pdv + (b * pr.S + s0) * pr.Ev, t);
      }
    });
  });
}

}  // namespace muse::cpu
