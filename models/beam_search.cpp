// Beam search for Seq2Seq (Sutskever et al. 2014; length penalty of Wu et al. 2016, "Google's Neural
// Machine Translation System", section 7):
//   keep the `beam` partial translations y_1..y_t with the highest log p(y_1..y_t | x); extend each by every
//   token; a hypothesis that emits <eos> is finished. The winner maximises log p(Y | x) / lp(Y),
//   lp(Y) = ((5 + |Y|) / 6)^alpha, since raw log-probabilities favour short translations.
#include <algorithm>
#include <cmath>

#include "muse/models/seq2seq.h"
#include "muse/muse.h"

namespace muse::models {

namespace {

constexpr int64_t kBos = 1, kEos = 2;

struct Hypothesis {
  std::vector<int64_t> tokens;  // without <bos> and <eos>
  double logp = 0;
  int64_t parent = 0;  // the row of the decoder state it continues
};

double length_penalty(size_t length, double alpha) { return std::pow((5.0 + static_cast<double>(length)) / 6.0, alpha); }

// Keeps rows `rows` of every tensor of the decoder state, in that order.
void reorder(DecoderState& s, const Tensor& rows) {
  for (LstmState& l : s.layers) l = {index_select(l.h, 0, rows), index_select(l.c, 0, rows)};
  s.context = index_select(s.context, 0, rows);
}

}  // namespace

std::vector<int64_t> Seq2Seq::beam_search(const std::vector<int64_t>& source, const BeamSearchOptions& o) {
  check(!source.empty(), "Seq2Seq::beam_search: the source sentence is empty");
  check(o.beam >= 1, "Seq2Seq::beam_search: beam must be >= 1, got ", o.beam);
  NoGradGuard no_grad;
  bool was_training = is_training();
  eval();
  Device device = parameters().front().device();
  const int64_t S = static_cast<int64_t>(source.size()), max_len = o.max_len > 0 ? o.max_len : 2 * S + 10;
  Encoded one = encode(from_vector(source, {1, S}, {.dtype = kInt64}).to(device), full({1}, S, {.dtype = kInt64}));
  DecoderState state = initial_state(one);
  std::vector<Hypothesis> beams(1), finished;
  for (int64_t t = 0; t < max_len && !beams.empty(); ++t) {
    const int64_t k = static_cast<int64_t>(beams.size());
    Tensor rows = zeros({k}, {.dtype = kInt64, .device = device});  // every beam reads the one source
    Encoded enc{index_select(one.outputs, 0, rows), index_select(one.padding_mask, 0, rows), one.final};
    std::vector<int64_t> last(k);
    for (int64_t b = 0; b < k; ++b) last[b] = beams[b].tokens.empty() ? kBos : beams[b].tokens.back();
    Tensor logp = log_softmax(decode_step(from_vector(last, {k}, {.dtype = kInt64}).to(device), state, enc), 1);
    std::vector<double> lp = logp.to(kCPU).to(kFloat64).contiguous().to_vector<double>();  // (k, V)
    const int64_t V = logp.size(1);
    // The best `beam` extensions of each hypothesis hold the best `beam` extensions overall.
    std::vector<Hypothesis> candidates;
    for (int64_t b = 0; b < k; ++b) {
      std::vector<int64_t> ids(V);
      for (int64_t v = 0; v < V; ++v) ids[v] = v;
      const int64_t take = std::min(o.beam, V);
      std::partial_sort(ids.begin(), ids.begin() + take, ids.end(),
                        [&](int64_t x, int64_t y) { return lp[b * V + x] > lp[b * V + y]; });
      for (int64_t i = 0; i < take; ++i) {
        Hypothesis h{beams[b].tokens, beams[b].logp + lp[b * V + ids[i]], b};
        h.tokens.push_back(ids[i]);
        candidates.push_back(std::move(h));
      }
    }
    std::stable_sort(candidates.begin(), candidates.end(), [](const Hypothesis& x, const Hypothesis& y) { return x.logp > y.logp; });
    std::vector<Hypothesis> next;
    for (Hypothesis& h : candidates) {
      if (static_cast<int64_t>(next.size()) == o.beam) break;
      if (h.tokens.back() == kEos) {
        h.tokens.pop_back();
        finished.push_back(std::move(h));
      } else {
        next.push_back(std::move(h));
      }
    }
    if (static_cast<int64_t>(finished.size()) >= o.beam) break;
    std::vector<int64_t> parents;
    for (const Hypothesis& h : next) parents.push_back(h.parent);
    if (!next.empty()) reorder(state, from_vector(parents, {static_cast<int64_t>(parents.size())}, {.dtype = kInt64}).to(device));
    beams = std::move(next);
  }
  train(was_training);
  if (finished.empty()) finished = beams;  // nothing reached <eos> within max_len
  auto score = [&](const Hypothesis& h) { return h.logp / length_penalty(h.tokens.size() + 1, o.alpha); };
  return std::max_element(finished.begin(), finished.end(),
                          [&](const Hypothesis& x, const Hypothesis& y) { return score(x) < score(y); })
      ->tokens;
}

}  // namespace muse::models
