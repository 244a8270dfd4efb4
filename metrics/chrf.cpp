// chrF from character n-gram counts summed over the corpus (formulas in the header).
#include "muse/metrics/chrf.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_map>

#include "muse/error.h"

namespace muse::metrics {
namespace {

constexpr int kOrder = 6;    // character n-grams 1..6
constexpr double kBeta = 2;  // recall weighs beta^2 = 4 times as much as precision

// Python's str.isspace() code points (what sacrebleu's ''.join(s.split()) removes).
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// The sentence's code points without whitespace. `what` names the sentence in the error message.
std::u32string code_points(const std::string& s, const std::string& what) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const int len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
    check(len > 0 && i + len <= s.size(), "chrf: ", what, " is not valid UTF-8 (byte ", i, ")");
    char32_t c = len == 1 ? lead : lead & (0x7f >> len);
    for (int k = 1; k < len; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      check((next >> 6) == 0x2, "chrf: ", what, " is not valid UTF-8 (byte ", i + k, ")");
      c = (c << 6) | (next & 0x3f);
    }
    if (!is_space(c)) out.push_back(c);
    i += len;
  }
  return out;
}

using NgramCounts = std::unordered_map<std::u32string, int64_t>;
using CharNgrams = std::array<NgramCounts, kOrder>;  // [n - 1]: the n-grams of one sentence
using ChrfStats = std::array<int64_t, 3 * kOrder>;   // per order: hyp_n, ref_n, match_n

CharNgrams char_ngrams(const std::u32string& text) {
  CharNgrams grams;
  for (size_t n = 1; n <= kOrder; ++n)
    for (size_t i = 0; i + n <= text.size(); ++i) ++grams[n - 1][text.substr(i, n)];
  return grams;
}

// One sentence pair's counts. As sacrebleu, an order the reference is too short for counts no hypothesis
// n-grams either (hyp_n = 0), so it drops out of the mean.
ChrfStats match_stats(const CharNgrams& hyp, const CharNgrams& ref) {
  ChrfStats stats{};
  for (int n = 0; n < kOrder; ++n) {
    int64_t hyp_count = 0, ref_count = 0, matches = 0;
    for (const auto& [gram, count] : ref[n]) ref_count += count;
    for (const auto& [gram, count] : hyp[n]) {
      hyp_count += count;
      if (auto it = ref[n].find(gram); it != ref[n].end()) matches += std::min(count, it->second);
    }
    stats[3 * n] = ref_count > 0 ? hyp_count : 0;
    stats[3 * n + 1] = ref_count;
    stats[3 * n + 2] = matches;
  }
  return stats;
}

// chrF_beta in percent from (summed) counts: F of the precisions and recalls averaged over the orders
// present in both hypothesis and reference.
double f_score(const ChrfStats& stats) {
  double precision = 0, recall = 0;
  int orders = 0;
  for (int n = 0; n < kOrder; ++n) {
    const auto hyp = static_cast<double>(stats[3 * n]), ref = static_cast<double>(stats[3 * n + 1]);
    const auto matches = static_cast<double>(stats[3 * n + 2]);
    if (hyp > 0 && ref > 0) {
      precision += matches / hyp;
      recall += matches / ref;
      ++orders;
    }
  }
  if (orders == 0 || precision + recall == 0) return 0.0;
  precision /= orders;
  recall /= orders;
  const double b2 = kBeta * kBeta;
  return 100.0 * (1 + b2) * precision * recall / (b2 * precision + recall);
}

}  // namespace

double chrf(const std::vector<std::string>& hypotheses, const std::vector<std::vector<std::string>>& references) {
  check(hypotheses.size() == references.size(), "chrf: ", hypotheses.size(), " hypotheses but ",
        references.size(), " reference lists; need one list per hypothesis");
  ChrfStats corpus{};
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    check(!references[i].empty(), "chrf: hypothesis ", i, " of ", hypotheses.size(), " has no reference");
    const CharNgrams hyp = char_ngrams(code_points(hypotheses[i], str("hypothesis ", i)));
    ChrfStats best{};
    double best_f = -1;
    for (size_t j = 0; j < references[i].size(); ++j) {
      const ChrfStats stats =
          match_stats(hyp, char_ngrams(code_points(references[i][j], str("reference ", j, " of sentence ", i))));
      if (const double f = f_score(stats); f > best_f) {
        best_f = f;
        best = stats;
      }
    }
    for (size_t k = 0; k < corpus.size(); ++k) corpus[k] += best[k];
  }
  return f_score(corpus);
}

double chrf(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references) {
  check(hypotheses.size() == references.size(), "chrf: ", hypotheses.size(), " hypotheses but ",
        references.size(), " references; need one per hypothesis");
  std::vector<std::vector<std::string>> lists;
  lists.reserve(references.size());
  for (const std::string& ref : references) lists.push_back({ref});
  return chrf(hypotheses, lists);
}

}  // namespace muse::metrics
