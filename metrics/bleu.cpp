// Corpus BLEU-4 from clipped n-gram counts summed over the corpus (formulas in the header).
#include "muse/metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "muse/error.h"

namespace muse::metrics {
namespace {

constexpr size_t kMaxOrder = 4;
using Tokens = std::vector<std::string>;
using NgramCounts = std::map<Tokens, int64_t>;  // an n-gram (its n tokens) -> how often it occurs

// Every n-gram of 1..4 tokens in a sentence, with its count.
NgramCounts count_ngrams(const Tokens& tokens) {
  NgramCounts counts;
  for (size_t n = 1; n <= kMaxOrder; ++n)
    for (size_t i = 0; i + n <= tokens.size(); ++i) ++counts[Tokens(tokens.begin() + i, tokens.begin() + i + n)];
  return counts;
}

// The reference length closest to the hypothesis length c; ties go to the shorter reference (sacrebleu,
// as mteval-v13a.pl).
int64_t closest_ref_len(int64_t c, const std::vector<Tokens>& refs) {
  int64_t best = -1;
  for (const Tokens& ref : refs) {
    const int64_t len = static_cast<int64_t>(ref.size());
    const int64_t diff = std::abs(c - len), best_diff = std::abs(c - best);
    if (best < 0 || diff < best_diff || (diff == best_diff && len < best)) best = len;
  }
  return best;
}

// The corpus's sufficient statistics: matches and totals per order, c and r.
struct BleuStats {
  std::array<int64_t, kMaxOrder> matches{}, totals{};
  int64_t hyp_len = 0, ref_len = 0;
};

// Adds one sentence: a hypothesis n-gram counts at most as often as it occurs in any single reference
// (clipping: "the the the" against "the cat" matches once).
void add_sentence(BleuStats& stats, const Tokens& hyp, const std::vector<Tokens>& refs) {
  NgramCounts max_ref;  // per n-gram, its largest count over the references
  for (const Tokens& ref : refs)
    for (const auto& [gram, count] : count_ngrams(ref)) max_ref[gram] = std::max(max_ref[gram], count);
  for (const auto& [gram, count] : count_ngrams(hyp)) {
    const size_t order = gram.size() - 1;
    stats.totals[order] += count;
    if (auto it = max_ref.find(gram); it != max_ref.end()) stats.matches[order] += std::min(count, it->second);
  }
  stats.hyp_len += static_cast<int64_t>(hyp.size());
  stats.ref_len += closest_ref_len(static_cast<int64_t>(hyp.size()), refs);
}

// BP, the (smoothed) precisions and their geometric mean, as sacrebleu's BLEU.compute_bleu.
BleuScore score_from(const BleuStats& s, BleuSmoothing smoothing) {
  BleuScore out{0.0, {0.0, 0.0, 0.0, 0.0}, 1.0, s.hyp_len, s.ref_len};
  if (s.hyp_len < s.ref_len)
    out.brevity_penalty =
        s.hyp_len > 0 ? std::exp(1.0 - static_cast<double>(s.ref_len) / static_cast<double>(s.hyp_len)) : 0.0;
  if (std::all_of(s.matches.begin(), s.matches.end(), [](int64_t m) { return m == 0; })) return out;
  double exp_divisor = 1;  // 2^k for the k-th order without matches (Exp smoothing)
  for (size_t n = 0; n < kMaxOrder && s.totals[n] > 0; ++n) {
    const double total = static_cast<double>(s.totals[n]);
    if (s.matches[n] > 0) {
      out.precisions[n] = 100.0 * static_cast<double>(s.matches[n]) / total;
    } else if (smoothing == BleuSmoothing::Exp) {
      exp_divisor *= 2;
      out.precisions[n] = 100.0 / (exp_divisor * total);
    }
  }
  double log_sum = 0;
  for (double p : out.precisions) {
    if (p == 0) return out;  // log 0 = -inf: BLEU 0, never NaN
    log_sum += std::log(p / 100.0);
  }
  out.score = 100.0 * out.brevity_penalty * std::exp(log_sum / kMaxOrder);
  return out;
}

}  // namespace

BleuScore corpus_bleu(const std::vector<std::vector<std::string>>& hypotheses,
                      const std::vector<std::vector<std::vector<std::string>>>& references,
                      BleuSmoothing smoothing) {
  check(hypotheses.size() == references.size(), "corpus_bleu: ", hypotheses.size(), " hypotheses but ",
        references.size(), " reference lists; need one list per hypothesis");
  BleuStats stats;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    check(!references[i].empty(), "corpus_bleu: hypothesis ", i, " of ", hypotheses.size(),
          " has no reference");
    add_sentence(stats, hypotheses[i], references[i]);
  }
  return score_from(stats, smoothing);
}

BleuScore corpus_bleu(const std::vector<std::vector<std::string>>& hypotheses,
                      const std::vector<std::vector<std::string>>& references, BleuSmoothing smoothing) {
  check(hypotheses.size() == references.size(), "corpus_bleu: ", hypotheses.size(), " hypotheses but ",
        references.size(), " references; need one per hypothesis");
  std::vector<std::vector<Tokens>> lists;
  lists.reserve(references.size());
  for (const Tokens& ref : references) lists.push_back({ref});
  return corpus_bleu(hypotheses, lists, smoothing);
}

}  // namespace muse::metrics
