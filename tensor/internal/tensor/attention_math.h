// The pieces of fused attention that the CPU kernel and the CUDA one share: the op's parameters, the
// user's mask read in place through its broadcast strides, and the dropout draws.
//   out = (P o Z) v,  P = softmax(scale q k^T + M) over the keys,  Z = keep / (1 - p) (dropout)
// M is 0 where a key is allowed, -inf where it is not (a false bool mask, or s > l under is_causal), or
// the float mask's value. The kernels never hold P for all keys at once: see tensor/cpu/attention.cpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "muse/shape.h"
#include "tensor/array.h"
#include "tensor/backend.h"
#include "tensor/hd.h"
#include "tensor/philox.h"

namespace muse {

// The attn_mask as an (B, L, S) grid read in place: the batch index b is unravelled over the mask's
// own batch dims (stride 0 where it broadcasts), so a key padding mask (B, 1, 1, S) is read as given
// and no (B, H, L, S) copy is ever made.
struct AttentionMask {
  enum Kind : uint8_t { kNone, kBool, kAdditive };
  Kind kind = kNone;
  const void* data = nullptr;  // bool, or the queries' dtype when additive
  int batch_dims = 0;
  int64_t size[Shape::kMaxDims] = {};
  int64_t stride[Shape::kMaxDims] = {};
  int64_t stride_l = 0, stride_s = 0;

  // The offset of element (b, 0, 0).
  MUSE_HD int64_t batch_offset(int64_t b) const {
    int64_t off = 0;
    for (int d = batch_dims - 1; d >= 0; --d) {
      off += (b % size[d]) * stride[d];
      b /= size[d];
    }
    return off;
  }

  // M at `at` = batch_offset(b) + l stride_l + s stride_s (0 without a mask).
  template <class T>
  MUSE_HD T term(int64_t at) const {
    if (kind == kNone) return T(0);
    if (kind == kBool) return static_cast<const bool*>(data)[at] ? T(0) : -std::numeric_limits<T>::infinity();
    return static_cast<const T*>(data)[at];
  }
};

// The view of mask (an empty Array, or (batch..., L, S) of any strides, bool or floating).
inline AttentionMask attention_mask_view(const Array& mask) {
  AttentionMask m;
  if (!mask.defined()) return m;
  m.kind = mask.dtype == DType::Bool ? AttentionMask::kBool : AttentionMask::kAdditive;
  m.data = mask.raw();
  int64_t nd = mask.ndim();
  m.batch_dims = static_cast<int>(nd - 2);
  for (int64_t d = 0; d + 2 < nd; ++d) m.size[d] = mask.shape[d], m.stride[d] = mask.strides[d];
  m.stride_l = mask.strides[nd - 2];
  m.stride_s = mask.strides[nd - 1];
  return m;
}

// Dropout keeps element i (the flat index (b L + l) S + s of P) when word i % 4 of the Philox block of
// counter offset + i / 4 is below ceil((1 - p) 2^32). That is bernoulli(1 - p)'s test w / 2^32 < 1 - p
// on the same words (tensor/cpu/random.cpp), so the kernels drop exactly the elements the composite
// P * bernoulli(P.shape(), 1 - p) / (1 - p) drops from the same generator state, and the backward
// regenerates them from (seed, offset) instead of storing an (L, S) mask.
struct Dropout {
  uint64_t seed = 0, offset = 0;
  uint64_t threshold = 0;  // keep when word < threshold
  double inv_keep = 1;     // 1 / (1 - p)
  bool on = false;

  Dropout() = default;
  explicit Dropout(const AttentionParams& p)
      : seed(p.seed), offset(p.offset), threshold(static_cast<uint64_t>(std::ceil((1 - p.dropout_p) * 4294967296.0))),
        inv_keep(1 / (1 - p.dropout_p)), on(p.dropout_p > 0) {}

  // Z_i: 0 or 1 / (1 - p).
  template <class T>
  MUSE_HD T factor(uint64_t i) const {
    philox::Block blk = philox::draw(seed, offset + i / 4);
    return blk.x[i % 4] < threshold ? static_cast<T>(inv_keep) : T(0);
  }

  // Z for the n elements from flat index first on, one Philox block per four of them.
  template <class T>
  MUSE_HD void factors(uint64_t first, int64_t n, T* z) const {
    uint64_t i = first, end = first + static_cast<uint64_t>(n);
    while (i < end) {
      philox::Block blk = philox::draw(seed, offset + i / 4);
      for (uint64_t w = i % 4; w < 4 && i < end; ++w, ++i)
        z[i - first] = blk.x[w] < threshold ? static_cast<T>(inv_keep) : T(0);
    }
  }
};

// The Philox counters one call consumes for n = B L S elements of P.
inline uint64_t attention_dropout_counters(uint64_t n) { return (n + 3) / 4; }

}  // namespace muse
