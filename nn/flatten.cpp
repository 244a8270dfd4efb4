#include "muse/nn/flatten.h"

#include <algorithm>

namespace muse::nn {

namespace {

// dim in [-ndim, ndim) made non-negative, or an error naming the layer and the input's shape.
int64_t dim_of(const std::string& layer, const char* what, int64_t dim, const Tensor& x) {
  int64_t nd = std::max<int64_t>(x.dim(), 1);
  check(dim >= -nd && dim < nd, layer, ": ", what, " ", dim, " is out of range for input of shape ",
        format_sizes(x.shape()));
  return dim < 0 ? dim + nd : dim;
}

}  // namespace

Flatten::Flatten(int64_t start, int64_t end) : Module("Flatten"), start_dim(start), end_dim(end) {}

Tensor Flatten::forward(const Tensor& x) {
  check(x.defined(), label(), ": got an undefined input");
  int64_t s = dim_of(label(), "start_dim", start_dim, x), e = dim_of(label(), "end_dim", end_dim, x);
  check(s <= e, label(), ": start_dim comes after end_dim for input of shape ", format_sizes(x.shape()));
  return x.flatten(s, e);
}

std::string Flatten::extra_repr() const { return str("start_dim=", start_dim, ", end_dim=", end_dim); }

Unflatten::Unflatten(int64_t d, Shape sizes) : Module("Unflatten"), dim(d), unflattened_size(sizes) {
  int64_t inferred = 0;
  for (int64_t s : sizes) {
    check(s >= -1, label(), ": sizes must be non-negative or -1, got ", s);
    inferred += s == -1;
  }
  check(!sizes.empty() && inferred <= 1, label(), ": unflattened_size needs at least one size and at most one -1");
}

Tensor Unflatten::forward(const Tensor& x) {
  check(x.defined(), label(), ": got an undefined input");
  check(x.dim() >= 1, label(), ": cannot unflatten a 0-dim input");
  int64_t d = dim_of(label(), "dim", dim, x), known = 1;
  for (int64_t s : unflattened_size) known *= s == -1 ? 1 : s;
  bool infer = std::find(unflattened_size.begin(), unflattened_size.end(), -1) != unflattened_size.end();
  int64_t n = x.size(d);
  bool fits = infer ? (known > 0 && n % known == 0) : known == n;
  check(fits, label(), ": cannot split dim ", d, " of size ", n, " (input of shape ", format_sizes(x.shape()),
        ") into ", unflattened_size);
  Shape out;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i != d) {
      out.push_back(x.size(i));
      continue;
    }
    for (int64_t s : unflattened_size) out.push_back(s == -1 ? n / known : s);
  }
  return x.reshape(out);
}

std::string Unflatten::extra_repr() const { return str("dim=", dim, ", unflattened_size=", unflattened_size); }

}  // namespace muse::nn
