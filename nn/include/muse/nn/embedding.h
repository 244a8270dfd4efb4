// Embedding tables, as torch.nn.Embedding and torch.nn.functional.embedding: a lookup of rows of a
// (V, E) weight by int64 index. The backward adds each output row's gradient into the row it came from
// (index_select's scatter-add), except row padding_idx, which never receives a gradient.
// Reference: https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
#pragma once

#include <cstdint>
#include <optional>

#include "muse/nn/module.h"

namespace muse::nn {

namespace functional {
// y[..., :] = weight[input[...], :] for int64 input (...) and weight (V, E); y is (..., E). padding_idx
// (in [-V, V), negative counts from the end) names a row whose lookups are constants for autograd.
// An index outside [0, V) or a non-int64 input is a muse::Error naming embedding, the index and V.
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = {});
}  // namespace functional

// weight ~ N(0, 1) from gen, with row padding_idx zeroed, as PyTorch.
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = {},
            Generator& gen = default_generator());

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  const int64_t num_embeddings, embedding_dim;
  const std::optional<int64_t> padding_idx;  // in [0, V): a negative argument is stored as V + padding_idx
  Tensor weight;                             // (V, E)
};

}  // namespace muse::nn
