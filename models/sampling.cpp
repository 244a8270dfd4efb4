#include "muse/models/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "muse/muse.h"

namespace muse::models {

int64_t sample_token(const Tensor& logits, const SamplingOptions& o, Generator& gen) {
  check(logits.defined() && logits.dim() == 1 && logits.numel() > 0, "sample_token: expected logits (V,), got ",
        logits.defined() ? str(logits.shape()) : std::string("undefined"));
  check(o.temperature > 0, "sample_token: temperature must be positive, got ", o.temperature);
  check(o.top_k >= 0, "sample_token: top_k must be >= 0, got ", o.top_k);
  check(o.top_p > 0 && o.top_p <= 1, "sample_token: top_p must be in (0, 1], got ", o.top_p);
  std::vector<double> l = logits.to(kCPU).to(kFloat64).contiguous().to_vector<double>();
  for (double v : l) check(!std::isnan(v), "sample_token: the logits contain NaN");
  // Token ids, most likely first (ties: lower id first, so the result does not depend on the sort).
  std::vector<int64_t> order(l.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return l[a] > l[b]; });
  size_t keep = order.size();
  if (o.top_k > 0) keep = std::min<size_t>(keep, static_cast<size_t>(o.top_k));
  // Softmax of the kept logits at temperature T, largest first (so exp never overflows).
  std::vector<double> p(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i) total += p[i] = std::exp((l[order[i]] - l[order[0]]) / o.temperature);
  if (o.top_p < 1) {
    double mass = 0;
    size_t n = 0;
    while (n < keep && mass < o.top_p * total) mass += p[n++];
    keep = std::max<size_t>(n, 1);
    total = mass;
  }
  double u = rand({1}, {.dtype = kFloat64}, gen).item() * total;
  for (size_t i = 0; i < keep; ++i) {
    u -= p[i];
    if (u < 0) return order[i];
  }
  return order[keep - 1];  // u landed on the rounding error at the end
}

}  // namespace muse::models
