// Beam search over any autoregressive decoder (Sutskever et al. 2014; length penalty of Wu et al. 2016,
// "Google's Neural Machine Translation System", section 7). The translators (Seq2Seq, TransformerSeq2Seq)
// each supply one decoding step; the search itself lives once, in models/beam_search.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "muse/tensor.h"

namespace muse::models {

struct BeamSearchOptions {
  int64_t beam = 5;
  double alpha = 0.6;    // length penalty ((5 + |Y|) / 6)^alpha (Wu et al. 2016); 0 = raw log-probability
  int64_t max_len = 0;   // 0: 2 S + 10 tokens
};

// One decoder step for the k live hypotheses: parents (k,) int64 names, for each, the row of the previous
// step's decoder state it continues (the first step has k = 1 and parents = {0}); tokens (k,) int64 is
// each one's newest token (<bos> at the first step). Returns the next token's logits (k, V).
using BeamStep = std::function<Tensor(const Tensor& parents, const Tensor& tokens)>;

// Keeps the `beam` partial translations with the highest total log-probability, extending each by every
// token; one that emits <eos> is finished, and the search stops once `beam` have finished or after max_len
// steps. Returns the finished translation (without <bos>/<eos>) with the best log-probability / length
// penalty; if none finished, the best live one. The tensors handed to step live on `device`.
std::vector<int64_t> beam_search(const BeamStep& step, const BeamSearchOptions& options, int64_t max_len, Device device);

}  // namespace muse::models
