// Corpus BLEU-4 (Papineni et al. 2002, "BLEU: a Method for Automatic Evaluation of Machine Translation"),
// computed as sacrebleu's corpus_bleu does (Post 2018, "A Call for Clarity in Reporting BLEU Scores"), on
// sentences the caller has already tokenized (sacrebleu applies its '13a' tokenizer first):
//   p_n = sum_sentences sum_{g in n-grams(hyp)} min(count_hyp(g), max_ref count_ref(g))
//         / sum_sentences (number of n-grams in hyp),                  n = 1..4 (clipped precision)
//   c   = total hypothesis length,  r = sum over sentences of the reference length closest to the
//         hypothesis length (ties: the shorter reference)
//   BP  = 1 if c >= r, else exp(1 - r / c) (0 when c = 0)
//   BLEU = BP * exp((1/4) sum_n log p_n)
// Counts are summed over the corpus before dividing: corpus BLEU is not the mean of sentence BLEUs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace muse::metrics {

struct BleuScore {
  double score;                     // BLEU in percent, in [0, 100]
  std::array<double, 4> precisions;  // p_1 .. p_4 in percent (after smoothing, as sacrebleu reports them)
  double brevity_penalty;           // BP
  int64_t hyp_len, ref_len;         // c and r
};

// What to do when some order n has no matching n-gram in the whole corpus (p_n = 0, so log p_n = -inf).
// Exp is sacrebleu's default for corpus_bleu (smooth_method='exp', the NIST mteval-v13a smoothing,
// method 3 of Chen & Cherry 2014): the k-th such order gets p_n = 1 / (2^k * total n-grams).
// None is Papineni's plain definition: BLEU = 0. Either way, BLEU is 0 (never NaN) when no n-gram of any
// order matches, when the corpus is empty, or when no hypothesis is long enough to have 4-grams.
enum class BleuSmoothing { Exp, None };

// hypotheses[i]: the tokens of sentence i; references[i]: its one or more references (each may be empty:
// a reference of length 0). Throws muse::Error naming corpus_bleu when the two counts differ or when a
// hypothesis has no reference.
BleuScore corpus_bleu(const std::vector<std::vector<std::string>>& hypotheses,
                      const std::vector<std::vector<std::vector<std::string>>>& references,
                      BleuSmoothing smoothing = BleuSmoothing::Exp);
// One reference each.
BleuScore corpus_bleu(const std::vector<std::vector<std::string>>& hypotheses,
                      const std::vector<std::vector<std::string>>& references,
                      BleuSmoothing smoothing = BleuSmoothing::Exp);

}  // namespace muse::metrics
