// Fused scaled dot-product attention on the GPU: the CPU kernel's scheme (tensor/cpu/attention.cpp,
// math there) in its plainest form. With x = scale q k^T + M, tiles of t queries and t keys (t <= 32,
// chosen so that a block's tiles fit in shared memory):
//   forward:  one block per (batch, query tile); the key tiles pass through shared memory, a warp per
//             query row folds each tile into the row's running max m and sum (online softmax), and the
//             threads then update acc = c acc + (P o Z) v. out = acc / sum, lse = m + log(sum).
//   backward: D = rowsum(dout o out) first; then one block per (batch, query tile) sums
//             dq = scale dx k over the key tiles, and one block per (batch, key tile) sums
//             dk = scale dx^T q and dv = (P o Z)^T dout over the query tiles, with P = exp(x - lse)
//             and dx = P o ((dout v^T) o Z - D) recomputed per tile pair.
// Every inner product is a plain loop over shared memory: correct and simple, not tuned (no tensor
// cores, no register tiling); the mask and the dropout draws are tensor/attention_math.h's, as on the CPU.
#include <algorithm>
#include <limits>

#include "cuda/fold.h"
#include "cuda/kernels.h"
#include "tensor/attention_math.h"
#include "tensor/elementwise_math.h"

namespace muse::cuda {
namespace {

constexpr int kAttentionThreads = 128;
constexpr int kMaxTile = 32;
constexpr size_t kMaxSharedBytes = 96 * 1024;  // opted into on sm_80 and later (A100: 164 KiB, H100: 227 KiB)

template <class T>
struct Geometry {
  int64_t B, L, S, E, Ev;
  int t;  // rows of a query tile = keys of a key tile
  T scale;
  bool causal;
  AttentionMask mask;
  Dropout drop;

  // x for query l and key s (rows qr, kr in shared memory), or -inf where masked or out of range.
  __device__ T score(const T* qr, const T* kr, int64_t mask_base, int64_t l, int64_t s) const {
    if (l >= L || s >= S || (causal && s > l)) return -std::numeric_limits<T>::infinity();
    T dot = 0;
    for (int64_t e = 0; e < E; ++e) dot += qr[e] * kr[e];
    return scale * dot + mask.term<T>(mask_base + l * mask.stride_l + s * mask.stride_s);
  }
  __device__ uint64_t flat(int64_t b, int64_t l, int64_t s) const { return static_cast<uint64_t>((b * L + l) * S + s); }
};

// Rows [first, first + t) of a (n_rows, width) matrix of batch b into shared memory, zeros past n_rows.
template <class T>
__device__ void load_tile(T* dst, const T* src, int64_t b, int64_t n_rows, int64_t first, int t, int64_t width) {
  for (int64_t idx = threadIdx.x; idx < t * width; idx += blockDim.x) {
    int64_t row = first + idx / width;
    dst[idx] = row < n_rows ? src[(b * n_rows + row) * width + idx % width] : T(0);
  }
}

template <class T>
__device__ T* shared_base() {
  extern __shared__ __align__(16) unsigned char shared_raw[];
  return reinterpret_cast<T*>(shared_raw);
}

// acc (t, width) += A b in shared memory, A (t, t) read as A(r, k) = a[r ar + k ak] (so a transposed
// tile is the same tile with its strides swapped) and b (t, width).
template <class T>
__device__ void add_product(T* acc, int64_t width, int t, const T* a, int ar, int ak, const T* b) {
  for (int64_t idx = threadIdx.x; idx < t * width; idx += blockDim.x) {
    int64_t r = idx / width, e = idx % width;
    T sum = acc[idx];
    for (int k = 0; k < t; ++k) sum += a[r * ar + k * ak] * b[k * width + e];
    acc[idx] = sum;
  }
}

template <class T>
__global__ void attention_forward_kernel(Geometry<T> g, const T* q, const T* k, const T* v, T* out, T* lse) {
  constexpr T kInf = std::numeric_limits<T>::infinity();
  const int t = g.t;
  T* qs = shared_base<T>();  // (t, E)
  T* ks = qs + t * g.E;      // (t, E)
  T* vs = ks + t * g.E;      // (t, Ev)
  T* acc = vs + t * g.Ev;    // (t, Ev)
  T* p = acc + t * g.Ev;     // (t, t)
  T *m = p + t * t, *sum = m + t;  // (t) each
  int64_t tiles = (g.L + t - 1) / t, b = blockIdx.x / tiles, l0 = blockIdx.x % tiles * t;
  int64_t mask_base = g.mask.batch_offset(b);
  load_tile(qs, q, b, g.L, l0, t, g.E);
  for (int64_t idx = threadIdx.x; idx < t * g.Ev; idx += blockDim.x) acc[idx] = 0;
  for (int i = threadIdx.x; i < t; i += blockDim.x) m[i] = -kInf, sum[i] = 0;
  int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp, warps = blockDim.x / kWarp;
  int64_t key_end = g.causal ? std::min(g.S, l0 + t) : g.S;
  for (int64_t s0 = 0; s0 < key_end; s0 += t) {
    __syncthreads();  // the previous tile's products are done
    load_tile(ks, k, b, g.S, s0, t, g.E);
    load_tile(vs, v, b, g.S, s0, t, g.Ev);
    __syncthreads();
    for (int idx = threadIdx.x; idx < t * t; idx += blockDim.x)
      p[idx] = g.score(qs + idx / t * g.E, ks + idx % t * g.E, mask_base, l0 + idx / t, s0 + idx % t);
    __syncthreads();
    for (int i = warp; i < t; i += warps) {  // the online-softmax step of row i, by one warp
      T m_old = m[i], mx = -kInf, s = 0;
      for (int j = lane; j < t; j += kWarp) mx = MaxFold{}(mx, p[i * t + j]);
      T m_new = MaxFold{}(m_old, warp_all(MaxFold{}, mx));
      for (int j = lane; j < t; j += kWarp) {
        T e = m_new == -kInf ? T(0) : ew::exp(p[i * t + j] - m_new);
        s += e;
        if (g.drop.on && e != T(0)) e *= g.drop.template factor<T>(g.flat(b, l0 + i, s0 + j));
        p[i * t + j] = e;
      }
      s = warp_all(SumFold{}, s);
      T c = m_new == -kInf ? T(1) : ew::exp(m_old - m_new);  // rescales what the row summed before
      for (int64_t e = lane; e < g.Ev; e += kWarp) acc[i * g.Ev + e] *= c;
      if (lane == 0) sum[i] = c * sum[i] + s, m[i] = m_new;
    }
    __syncthreads();
    add_product(acc, g.Ev, t, p, t, 1, vs);  // acc += (P o Z) v
  }
  __syncthreads();
  for (int64_t idx = threadIdx.x; idx < t * g.Ev; idx += blockDim.x) {
    int64_t i = idx / g.Ev;
    if (l0 + i < g.L) out[(b * g.L + l0) * g.Ev + idx] = sum[i] > T(0) ? acc[idx] / sum[i] : T(0);
  }
  for (int i = threadIdx.x; i < t && l0 + i < g.L; i += blockDim.x)
    lse[b * g.L + l0 + i] = sum[i] > T(0) ? m[i] + ew::log(sum[i]) : -kInf;
}

// D (B L) = rowsum(dout o out), one thread per row.
template <class T>
__global__ void attention_row_dots_kernel(const T* out, const T* dout, T* d, int64_t rows, int64_t Ev) {
  for (int64_t r = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; r < rows; r += int64_t{gridDim.x} * blockDim.x) {
    T s = 0;
    for (int64_t e = 0; e < Ev; ++e) s += out[r * Ev + e] * dout[r * Ev + e];
    d[r] = s;
  }
}

// The tiles one pair (query tile l0, key tile s0) of the backward works on, in shared memory.
template <class T>
struct PairTiles {
  T *qs, *dos, *ks, *vs;  // (t, E), (t, Ev), (t, E), (t, Ev)
  T *p, *dx;              // (t, t): P o Z and dx
  T *lse, *d;             // (t)
};

// Carves the tiles out of shared memory; returns the first free element after them.
template <class T>
__device__ T* carve(PairTiles<T>& s, const Geometry<T>& g) {
  int t = g.t;
  s.qs = shared_base<T>(), s.dos = s.qs + t * g.E, s.ks = s.dos + t * g.Ev, s.vs = s.ks + t * g.E;
  s.p = s.vs + t * g.Ev, s.dx = s.p + t * t, s.lse = s.dx + t * t, s.d = s.lse + t;
  return s.d + t;
}

// The query side of a pair: q, dout, lse and D rows [l0, l0 + t).
template <class T>
__device__ void load_queries(PairTiles<T>& s, const Geometry<T>& g, const T* q, const T* dout, const T* lse,
                             const T* d, int64_t b, int64_t l0) {
  load_tile(s.qs, q, b, g.L, l0, g.t, g.E);
  load_tile(s.dos, dout, b, g.L, l0, g.t, g.Ev);
  for (int i = threadIdx.x; i < g.t; i += blockDim.x) {
    bool in = l0 + i < g.L;
    s.lse[i] = in ? lse[b * g.L + l0 + i] : -std::numeric_limits<T>::infinity();
    s.d[i] = in ? d[b * g.L + l0 + i] : T(0);
  }
}

// p = P o Z and dx = P o ((dout v^T) o Z - D) for the pair; every thread must call it.
template <class T>
__device__ void pair_gradients(const PairTiles<T>& s, const Geometry<T>& g, int64_t b, int64_t l0, int64_t s0) {
  int t = g.t;
  int64_t mask_base = g.mask.batch_offset(b);
  __syncthreads();  // the tiles are loaded
  for (int idx = threadIdx.x; idx < t * t; idx += blockDim.x) {
    int i = idx / t, j = idx % t;
    T x = g.score(s.qs + i * g.E, s.ks + j * g.E, mask_base, l0 + i, s0 + j);
    T p = x == -std::numeric_limits<T>::infinity() || s.lse[i] == -std::numeric_limits<T>::infinity()
              ? T(0) : ew::exp(x - s.lse[i]);
    T dp = 0;
    for (int64_t e = 0; e < g.Ev; ++e) dp += s.dos[i * g.Ev + e] * s.vs[j * g.Ev + e];
    T z = g.drop.on && p != T(0) ? g.drop.template factor<T>(g.flat(b, l0 + i, s0 + j)) : T(1);
    s.dx[idx] = p * (dp * z - s.d[i]);
    s.p[idx] = p * z;
  }
  __syncthreads();
}

// dq for one (batch, query tile).
template <class T>
__global__ void attention_dq_kernel(Geometry<T> g, const T* q, const T* k, const T* v, const T* lse, const T* d,
                                    const T* dout, T* dq) {
  PairTiles<T> s;
  T* acc = carve(s, g);  // (t, E)
  int t = g.t;
  int64_t tiles = (g.L + t - 1) / t, b = blockIdx.x / tiles, l0 = blockIdx.x % tiles * t;
  load_queries(s, g, q, dout, lse, d, b, l0);
  for (int64_t idx = threadIdx.x; idx < t * g.E; idx += blockDim.x) acc[idx] = 0;
  int64_t key_end = g.causal ? std::min(g.S, l0 + t) : g.S;
  for (int64_t s0 = 0; s0 < key_end; s0 += t) {
    load_tile(s.ks, k, b, g.S, s0, t, g.E);
    load_tile(s.vs, v, b, g.S, s0, t, g.Ev);
    pair_gradients(s, g, b, l0, s0);
    add_product(acc, g.E, t, s.dx, t, 1, s.ks);  // acc += dx k
    __syncthreads();  // before the next key tile overwrites ks
  }
  for (int64_t idx = threadIdx.x; idx < t * g.E; idx += blockDim.x)
    if (l0 + idx / g.E < g.L) dq[(b * g.L + l0) * g.E + idx] = g.scale * acc[idx];
}

// dk and dv for one (batch, key tile).
template <class T>
__global__ void attention_dkv_kernel(Geometry<T> g, const T* q, const T* k, const T* v, const T* lse, const T* d,
                                     const T* dout, T* dk, T* dv) {
  PairTiles<T> s;
  int t = g.t;
  T* dk_acc = carve(s, g);         // (t, E)
  T* dv_acc = dk_acc + t * g.E;    // (t, Ev)
  int64_t tiles = (g.S + t - 1) / t, b = blockIdx.x / tiles, s0 = blockIdx.x % tiles * t;
  load_tile(s.ks, k, b, g.S, s0, t, g.E);
  load_tile(s.vs, v, b, g.S, s0, t, g.Ev);
  for (int64_t idx = threadIdx.x; idx < t * g.E; idx += blockDim.x) dk_acc[idx] = 0;
  for (int64_t idx = threadIdx.x; idx < t * g.Ev; idx += blockDim.x) dv_acc[idx] = 0;
  for (int64_t l0 = g.causal ? s0 : 0; l0 < g.L; l0 += t) {  // under is_causal, queries before s0 see no key here
    load_queries(s, g, q, dout, lse, d, b, l0);
    pair_gradients(s, g, b, l0, s0);
    add_product(dk_acc, g.E, t, s.dx, 1, t, s.qs);    // dk_acc += dx^T q
    add_product(dv_acc, g.Ev, t, s.p, 1, t, s.dos);   // dv_acc += (P o Z)^T dout
    __syncthreads();  // before the next query tile overwrites qs and dos
  }
  for (int64_t idx = threadIdx.x; idx < t * g.E; idx += blockDim.x)
    if (s0 + idx / g.E < g.S) dk[(b * g.S + s0) * g.E + idx] = g.scale * dk_acc[idx];
  for (int64_t idx = threadIdx.x; idx < t * g.Ev; idx += blockDim.x)
    if (s0 + idx / g.Ev < g.S) dv[(b * g.S + s0) * g.Ev + idx] = dv_acc[idx];
}

// Shared memory of the largest kernel (dkv) for tile t, in elements.
int64_t shared_elements(int64_t t, int64_t E, int64_t Ev) { return t * (3 * E + 3 * Ev) + 2 * t * t + 2 * t; }

template <class T>
Geometry<T> geometry(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p) {
  Geometry<T> g{q.shape[0], q.shape[1], k.shape[1], q.shape[2], v.shape[2], kMaxTile, static_cast<T>(p.scale),
                p.causal, attention_mask_view(mask), Dropout(p)};
  while (g.t > 1 && shared_elements(g.t, g.E, g.Ev) * sizeof(T) > kMaxSharedBytes) g.t /= 2;
  check(shared_elements(g.t, g.E, g.Ev) * sizeof(T) <= kMaxSharedBytes, "scaled_dot_product_attention: E = ", g.E,
        " and Ev = ", g.Ev, " are too large for the CUDA kernel's shared memory (", kMaxSharedBytes, " bytes)");
  return g;
}

// Launches kernel with `bytes` of dynamic shared memory, opting in above the default 48 KiB.
template <class Kernel, class... Args>
void launch(Kernel kernel, int64_t blocks, size_t bytes, Args... args) {
  if (blocks == 0) return;
  MUSE_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  kernel<<<static_cast<unsigned>(blocks), kAttentionThreads, bytes>>>(args...);
  MUSE_LAUNCH_CHECK();
}

}  // namespace

void attention_forward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                       const Array& out, const Array& lse) {
  dispatch_float(q.dtype, "scaled_dot_product_attention", [&]<class T>() {
    Geometry<T> g = geometry<T>(q, k, v, mask, p);
    int64_t t = g.t, bytes = (2 * t * g.E + 2 * t * g.Ev + t * t + 2 * t) * sizeof(T);
    launch(attention_forward_kernel<T>, g.B * ((g.L + t - 1) / t), bytes, g, q.data<T>(), k.data<T>(), v.data<T>(),
           out.data<T>(), lse.data<T>());
  });
}

void attention_backward(const Array& q, const Array& k, const Array& v, const Array& mask, const AttentionParams& p,
                        const Array& out, const Array& lse, const Array& dout, const Array& dq, const Array& dk,
                        const Array& dv) {
  dispatch_float(q.dtype, "scaled_dot_product_attention", [&]<class T>() {
    Geometry<T> g = geometry<T>(q, k, v, mask, p);
    int64_t t = g.t, rows = g.B * g.L;
    Scratch d(std::max<int64_t>(1, rows) * sizeof(T));  // D (B, L)
    if (rows > 0) {
      attention_row_dots_kernel<T><<<blocks_for(rows), kThreads>>>(out.data<T>(), dout.data<T>(), d.as<T>(), rows, g.Ev);
      MUSE_LAUNCH_CHECK();
    }
    int64_t pair = (2 * t * g.E + 2 * t * g.Ev + 2 * t * t + 2 * t) * sizeof(T);
    launch(attention_dq_kernel<T>, g.B * ((g.L + t - 1) / t), pair + t * g.E * sizeof(T), g, q.data<T>(),
           k.data<T>(), v.data<T>(), lse.data<T>(), d.as<T>(), dout.data<T>(), dq.data<T>());
    launch(attention_dkv_kernel<T>, g.B * ((g.S + t - 1) / t), pair + t * (g.E + g.Ev) * sizeof(T), g, q.data<T>(),
           k.data<T>(), v.data<T>(), lse.data<T>(), d.as<T>(), dout.data<T>(), dk.data<T>(), dv.data<T>());
  });
}

}  // namespace muse::cuda
