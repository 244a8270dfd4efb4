#include "muse/nn/positional.h"

#include <cmath>
#include <vector>

#include "muse/nn/embedding.h"
#include "muse/nn/init.h"
#include "muse/ops.h"

namespace muse::nn {

// Computed in double: pe[p, 2i] = sin(p * w_i), pe[p, 2i + 1] = cos(p * w_i), w_i = 10000^(-2i / d).
SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(int64_t d, SinusoidalPositionalEncodingOptions o,
                                                           Generator& gen)
    : Module("SinusoidalPositionalEncoding"), d_model(d), options(o) {
  check(d > 0 && o.max_len > 0, "SinusoidalPositionalEncoding: d_model and max_len must be positive, got ", d, " and ",
        o.max_len);
  std::vector<double> table(static_cast<size_t>(o.max_len * d));
  for (int64_t p = 0; p < o.max_len; ++p)
    for (int64_t j = 0; j < d; ++j) {
      double w = std::pow(10000.0, -static_cast<double>(j - j % 2) / static_cast<double>(d));
      table[p * d + j] = j % 2 == 0 ? std::sin(static_cast<double>(p) * w) : std::cos(static_cast<double>(p) * w);
    }
  pe = register_buffer("pe", from_vector(table, {o.max_len, d}, {.dtype = kFloat64}).to(kFloat32));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout, gen));
}

Tensor SinusoidalPositionalEncoding::encoding(int64_t T, int64_t offset) const {
  check(T >= 0 && offset >= 0 && offset + T <= options.max_len, label(), ": positions [", offset, ", ", offset + T,
        ") exceed max_len ", options.max_len);
  return pe.narrow(0, offset, T);
}

Tensor SinusoidalPositionalEncoding::forward(const Tensor& x, int64_t offset) {
  check(x.defined() && (x.dim() == 2 || x.dim() == 3) && x.size(-1) == d_model, label(),
        ": expected x (T, N, d_model), (N, T, d_model) with batch_first, or (T, d_model), with d_model = ", d_model,
        ", got ", x.defined() ? str(x.shape()) : "an undefined tensor");
  const bool time_major = x.dim() == 2 || !options.batch_first;
  Tensor p = encoding(x.size(time_major ? 0 : 1), offset);  // (T, d)
  if (x.dim() == 3 && time_major) p = p.unsqueeze(1);      // (T, 1, d)
  return dropout->forward(x + p.to(x.dtype()));
}

std::string SinusoidalPositionalEncoding::extra_repr() const {
  return str("d_model=", d_model, ", max_len=", options.max_len);
}

LearnedPositionalEmbedding::LearnedPositionalEmbedding(int64_t max, int64_t d, Generator& gen)
    : Module("LearnedPositionalEmbedding"), max_len(max), d_model(d) {
  check(max > 0 && d > 0, "LearnedPositionalEmbedding: max_len and d_model must be positive, got ", max, " and ", d);
  weight = register_parameter("weight", empty({max, d}));
  init::normal_(weight, 0, 1, gen);
}

Tensor LearnedPositionalEmbedding::forward(const Tensor& positions) {
  check(positions.defined() && positions.dtype() == kInt64, label(), ": expected int64 positions, got ",
        positions.defined() ? str(positions.dtype()) : "an undefined tensor");
  return functional::embedding(positions, weight);
}

Tensor LearnedPositionalEmbedding::forward(int64_t T, int64_t offset) {
  check(T >= 0 && offset >= 0 && offset + T <= max_len, label(), ": positions [", offset, ", ", offset + T,
        ") exceed max_len ", max_len);
  return weight.narrow(0, offset, T);
}

std::string LearnedPositionalEmbedding::extra_repr() const { return str(max_len, ", ", d_model); }

}  // namespace muse::nn
