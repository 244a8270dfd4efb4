// What a translator offers the training and evaluation tools, whatever its architecture: teacher-forced
// logits, greedy decoding of a batch and beam search for one sentence. Seq2Seq (LSTMs with attention)
// and TransformerSeq2Seq implement it; token ids <pad> 0, <bos> 1, <eos> 2 (muse/data/tokenizer.h).
#pragma once

#include <cstdint>
#include <vector>

#include "muse/models/beam_search.h"
#include "muse/nn/module.h"

namespace muse::models {

class Translator : public nn::Module {
 public:
  using nn::Module::Module;

  // source (B, S) int64, lengths (B,) int64 on the CPU (each in [1, S]; padding after them), target_in
  // (B, T) = <bos> y_1 .. y_{T-1}: logits (B, T, V), each position seeing the true previous tokens.
  virtual Tensor forward(const Tensor& source, const Tensor& lengths, const Tensor& target_in) = 0;
  // Each sentence's most likely token step by step, until <eos> or max_len (0: 2 S + 10); the tokens
  // without <bos> and <eos>.
  virtual std::vector<std::vector<int64_t>> greedy(const Tensor& source, const Tensor& lengths, int64_t max_len = 0) = 0;
  // Beam search for one sentence (token ids without <bos>/<eos>); see muse/models/beam_search.h.
  virtual std::vector<int64_t> beam_search(const std::vector<int64_t>& source, const BeamSearchOptions& options = {}) = 0;
};

}  // namespace muse::models
