// Beam search (Sutskever et al. 2014; length penalty of Wu et al. 2016, "Google's Neural Machine
// Translation System", section 7):
//   keep the `beam` partial translations y_1..y_t with the highest log p(y_1..y_t | x); extend each by every
//   token; a hypothesis that emits <eos> is finished. The winner maximises log p(Y | x) / lp(Y),
//   lp(Y) = ((5 + |Y|) / 6)^alpha, since raw log-probabilities favour short translations.
#include "muse/models/beam_search.h"

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

Tensor int64_tensor(const std::vector<int64_t>& v, Device device) {
  return from_vector(v, {static_cast<int64_t>(v.size())}, {.dtype = kInt64}).to(device);
}

// The best `beam` extensions of each hypothesis hold the best `beam` extensions overall; lp is (k, V).
std::vector<Hypothesis> extend(const std::vector<Hypothesis>& beams, const std::vector<double>& lp, int64_t V, int64_t beam) {
  std::vector<Hypothesis> candidates;
  const int64_t take = std::min(beam, V);
  for (size_t b = 0; b < beams.size(); ++b) {
    const double* row = lp.data() + b * V;
    std::vector<int64_t> ids(V);
    for (int64_t v = 0; v < V; ++v) ids[v] = v;
    std::partial_sort(ids.begin(), ids.begin() + take, ids.end(), [&](int64_t x, int64_t y) { return row[x] > row[y]; });
    for (int64_t i = 0; i < take; ++i) {
      Hypothesis h{beams[b].tokens, beams[b].logp + row[ids[i]], static_cast<int64_t>(b)};
      h.tokens.push_back(ids[i]);
      candidates.push_back(std::move(h));
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const Hypothesis& x, const Hypothesis& y) { return x.logp > y.logp; });
  return candidates;
}

}  // namespace

std::vector<int64_t> beam_search(const BeamStep& step, const BeamSearchOptions& o, int64_t max_len, Device device) {
  std::vector<Hypothesis> beams(1), finished;
  for (int64_t t = 0; t < max_len && !beams.empty(); ++t) {
    std::vector<int64_t> parents, last;
    for (const Hypothesis& h : beams) {
      parents.push_back(h.parent);
      last.push_back(h.tokens.empty() ? kBos : h.tokens.back());
    }
    Tensor logp = log_softmax(step(int64_tensor(parents, device), int64_tensor(last, device)), 1);  // (k, V)
    std::vector<double> lp = logp.to(kCPU).to(kFloat64).contiguous().to_vector<double>();
    std::vector<Hypothesis> next;
    for (Hypothesis& h : extend(beams, lp, logp.size(1), o.beam)) {
      if (static_cast<int64_t>(next.size()) == o.beam) break;
      if (h.tokens.back() == kEos) {
        h.tokens.pop_back();
        finished.push_back(std::move(h));
      } else {
        next.push_back(std::move(h));
      }
    }
    beams = std::move(next);
    if (static_cast<int64_t>(finished.size()) >= o.beam) break;
  }
  if (finished.empty()) finished = beams;  // nothing reached <eos> within max_len
  auto score = [&](const Hypothesis& h) { return h.logp / length_penalty(h.tokens.size() + 1, o.alpha); };
  return std::max_element(finished.begin(), finished.end(),
                          [&](const Hypothesis& x, const Hypothesis& y) { return score(x) < score(y); })
      ->tokens;
}

// Seq2Seq's step: reorder the LSTM states to the parents' rows, then one decoder step.
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
  auto step = [&](const Tensor& parents, const Tensor& tokens) {
    for (LstmState& l : state.layers) l = {index_select(l.h, 0, parents), index_select(l.c, 0, parents)};
    state.context = index_select(state.context, 0, parents);
    Tensor rows = zeros({tokens.size(0)}, {.dtype = kInt64, .device = device});  // every beam reads the one source
    Encoded enc{index_select(one.outputs, 0, rows), index_select(one.padding_mask, 0, rows), one.final,
                one.projected_keys.defined() ? index_select(one.projected_keys, 0, rows) : Tensor()};
    return decode_step(tokens, state, enc);
  };
  std::vector<int64_t> best = models::beam_search(step, o, max_len, device);
  train(was_training);
  return best;
}

}  // namespace muse::models
