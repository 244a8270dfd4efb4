// chrF (Popovic 2015, "chrF: character n-gram F-score for automatic MT evaluation"), as sacrebleu's CHRF
// computes it by default (chrF2: character order 6, no word n-grams, beta 2, whitespace removed, case kept):
//   text  = the sentence's Unicode code points with every whitespace character removed
//   for n = 1..6, per sentence:  hyp_n, ref_n = number of character n-grams of hypothesis and reference,
//                                match_n = sum_g min(count_hyp(g), count_ref(g))
//   the three counts are summed over the corpus, then over the orders n where hyp_n > 0 and ref_n > 0:
//   P = mean_n match_n / hyp_n,   R = mean_n match_n / ref_n
//   chrF_beta = 100 (1 + beta^2) P R / (beta^2 P + R)     (0 when P + R = 0)
// So recall weighs beta^2 = 4 times as much as precision. Taking the mean only over orders that occur is
// sacrebleu's "effective order" (a 3-character corpus is scored on n = 1..3).
#pragma once

#include <string>
#include <vector>

namespace muse::metrics {

// hypotheses and references: UTF-8 sentences, one reference each. Returns chrF2 in percent, in [0, 100];
// 0 for an empty corpus. Throws muse::Error naming chrf when the counts differ or a sentence is not
// valid UTF-8.
double chrf(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references);

// Several references per hypothesis: each sentence contributes the counts of the reference that gives it
// the highest sentence-level chrF (the first of equals), as sacrebleu does.
double chrf(const std::vector<std::string>& hypotheses, const std::vector<std::vector<std::string>>& references);

}  // namespace muse::metrics
