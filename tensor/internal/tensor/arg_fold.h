// The fold behind arg max and arg min, shared by the CPU kernels and the CUDA ones: candidates (a value
// and its index along the reduced axis) are folded keeping the greater (IsMax) or smaller value; NaN
// beats any number, and between equal values (or two NaNs) the smaller index wins. The fold is
// associative and commutative, so the result is the first extreme element in whatever order the
// candidates meet.
#pragma once

#include <cstdint>

#include "tensor/hd.h"

namespace muse {

template <class T>
struct Best {
  T v;
  int64_t i;
};

template <bool IsMax>
struct ArgFold {
  template <class T>
  MUSE_HD static Best<T> apply(Best<T> a, Best<T> b) {
    bool an = a.v != a.v, bn = b.v != b.v;
    if (an != bn) return bn ? b : a;
    bool better = IsMax ? b.v > a.v : b.v < a.v;
    if (better) return b;
    bool tie = an || a.v == b.v;
    return tie && b.i < a.i ? b : a;
  }
  template <class T>
  MUSE_HD Best<T> operator()(Best<T> a, Best<T> b) const {
    return apply(a, b);
  }
};

}  // namespace muse
