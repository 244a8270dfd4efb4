#include "muse/nn/embedding.h"

#include "muse/grad_mode.h"
#include "muse/nn/init.h"
#include "muse/ops.h"

namespace muse::nn {
namespace {

// padding_idx in [0, V), or a muse::Error naming who asked.
int64_t normalize_padding(const std::string& who, int64_t padding_idx, int64_t V) {
  check(padding_idx >= -V && padding_idx < V, who, ": padding_idx must be within [-", V, ", ", V, ") for V = ", V,
        " embeddings, got ", padding_idx);
  return padding_idx < 0 ? padding_idx + V : padding_idx;
}

}  // namespace

// y = weight[input] (index_select on the flattened indices). For padding_idx p the output rows that read
// row p are replaced by the same values detached, where(input == p, y.detach(), y), so dweight[p] = 0.
Tensor functional::embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx) {
  check(input.defined() && weight.defined(), "embedding: got an undefined input or weight");
  check(weight.dim() == 2, "embedding: weight must be 2-D (V, E), got shape ", weight.shape());
  int64_t V = weight.size(0), E = weight.size(1);
  check(input.dtype() == kInt64, "embedding: indices must be int64, got ", input.dtype(), " of shape ",
        input.shape(), " (V = ", V, ")");
  if (input.numel() > 0) {  // one pass over the indices (and a synchronisation on a GPU)
    int64_t low = amin(input.flatten(), {0}).item<int64_t>(), high = amax(input.flatten(), {0}).item<int64_t>();
    int64_t bad = low < 0 ? low : high;
    check(low >= 0 && high < V, "embedding: index ", bad, " is out of range for V = ", V, " embeddings (input shape ",
          input.shape(), ", weight ", weight.shape(), ")");
  }
  Shape out_shape = input.shape();
  out_shape.push_back(E);
  if (input.numel() == 0) return zeros(out_shape, {.dtype = weight.dtype(), .device = weight.device()});
  Tensor flat = input.reshape({input.numel()});
  Tensor y = index_select(weight, 0, flat);  // (N, E)
  if (padding_idx) {
    Tensor is_pad = (flat == static_cast<double>(normalize_padding("embedding", *padding_idx, V))).unsqueeze(1);
    y = where(is_pad, y.detach(), y);
  }
  return y.reshape(out_shape);
}

Embedding::Embedding(int64_t V, int64_t E, std::optional<int64_t> padding, Generator& gen)
    : Module("Embedding"),
      num_embeddings(V),
      embedding_dim(E),
      padding_idx(padding ? std::optional(normalize_padding("Embedding", *padding, V)) : std::nullopt) {
  check(V > 0 && E > 0, "Embedding: num_embeddings and embedding_dim must be positive, got ", V, " and ", E);
  weight = register_parameter("weight", empty({V, E}));
  init::normal_(weight, 0, 1, gen);
  if (padding_idx) {
    NoGradGuard no_grad;
    weight.select(0, *padding_idx).zero_();
  }
}

Tensor Embedding::forward(const Tensor& input) {
  check(input.defined(), label(), ": got an undefined input");
  check(input.dtype() == kInt64, label(), ": indices must be int64, got ", input.dtype(), " of shape ", input.shape());
  return functional::embedding(input, weight, padding_idx);
}

// PyTorch's: "10, 3, padding_idx=0".
std::string Embedding::extra_repr() const {
  std::string s = str(num_embeddings, ", ", embedding_dim);
  if (padding_idx) s += str(", padding_idx=", *padding_idx);
  return s;
}

}  // namespace muse::nn
