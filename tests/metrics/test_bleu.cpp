// Corpus BLEU against published worked examples (the BLEU paper, sacrebleu's README, NLTK's docs),
// hand-derived cases, and the Python recomputation in bleu_chrf_reference.h.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "bleu_chrf_reference.h"
#include "muse/error.h"
#include "muse/metrics/bleu.h"

using muse::metrics::BleuScore;
using muse::metrics::BleuSmoothing;
using muse::metrics::corpus_bleu;
using doctest::Approx;
using doctest::Contains;
using Tokens = std::vector<std::string>;
using References = std::vector<std::vector<Tokens>>;

namespace {

// Splits at spaces. The examples below are written already tokenized: for sacrebleu's sentences that
// means as its default '13a' tokenizer (mteval-v13a) leaves them, which here only splits the final period
// off ("man." -> "man ."); the apostrophe of "wasn't" is not in 13a's punctuation classes, so it stays.
// Whether x prints as `published` with `decimals` digits after the point (published values are rounded).
bool rounds_to(double x, double published, int decimals) {
  return std::abs(x - published) <= 0.5 * std::pow(10.0, -decimals) + 1e-12;
}

Tokens words(const std::string& sentence) {
  std::istringstream in(sentence);
  Tokens out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Papineni et al. 2002, section 2.1, Example 1: two candidates and three references.
const Tokens kCandidate1 =
    words("It is a guide to action which ensures that the military always obeys the commands of the party");
const Tokens kCandidate2 = words("It is to insure the troops forever hearing the activity guidebook that party direct");
const std::vector<Tokens> kExample1Refs = {
    words("It is a guide to action that ensures that the military will forever heed Party commands"),
    words("It is the guiding principle which guarantees the military forces always being under the command of "
          "the Party"),
    words("It is the practical guide for the army always to heed the directions of the party")};

// sacrebleu's README ("Using SacreBLEU from Python"), its hypotheses and two reference streams, regrouped
// per hypothesis.
const std::vector<Tokens> kReadmeSys = {words("The dog bit the man ."), words("It wasn't surprising ."),
                                        words("The man had just bitten him .")};
const References kReadmeRefs = {{words("The dog bit the man ."), words("The dog had bit the man .")},
                                {words("It was not unexpected ."), words("No one was surprised .")},
                                {words("The man bit him first ."), words("The man had bitten the dog .")}};

}  // namespace

TEST_CASE("corpus_bleu: the BLEU paper's modified n-gram precisions (Papineni et al. 2002, section 2.1)") {
  // Example 1: "Candidate 1 achieves a modified unigram precision of 17/18; whereas Candidate 2 achieves a
  // modified unigram precision of 8/14" and "a modified bigram precision of 10/17, whereas the lower quality
  // Candidate 2 achieves a modified bigram precision of 1/13".
  BleuScore c1 = corpus_bleu({kCandidate1}, References{kExample1Refs});
  CHECK(c1.precisions[0] == Approx(100.0 * 17 / 18));
  CHECK(c1.precisions[1] == Approx(100.0 * 10 / 17));
  BleuScore c2 = corpus_bleu({kCandidate2}, References{kExample1Refs});
  CHECK(c2.precisions[0] == Approx(100.0 * 8 / 14));
  CHECK(c2.precisions[1] == Approx(100.0 * 1 / 13));
  // Example 2: candidate "the the the the the the the." against "The cat is on the mat." and "There is a
  // cat on the mat.": "the" is clipped to its largest count in one reference, 2, so "Modified Unigram
  // Precision = 2/7" (the paper compares case-insensitively and leaves punctuation out, as we write it).
  BleuScore the = corpus_bleu({words("the the the the the the the")},
                              References{{words("the cat is on the mat"), words("there is a cat on the mat")}});
  CHECK(the.precisions[0] == Approx(100.0 * 2 / 7));
}

TEST_CASE("corpus_bleu: NLTK's documented sentence_bleu of the paper's Candidate 1, 0.5045") {
  // NLTK's docs (nltk.translate.bleu_score.sentence_bleu): sentence_bleu([reference1, reference2,
  // reference3], hypothesis1) gives 0.5045... On one sentence with matches at every order, corpus BLEU
  // is that sentence's unsmoothed BLEU (c = r = 18, so BP = 1).
  BleuScore score = corpus_bleu({kCandidate1}, References{kExample1Refs});
  CHECK(score.score >= 50.45);  // "0.5045...": truncated, not rounded
  CHECK(score.score < 50.46);
  CHECK(score.brevity_penalty == 1.0);
  CHECK(score.hyp_len == 18);
  CHECK(score.ref_len == 18);
}

TEST_CASE("corpus_bleu: sacrebleu's README example, BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943)") {
  // Published output: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)".
  BleuScore score = corpus_bleu(kReadmeSys, kReadmeRefs);
  CHECK(rounds_to(score.score, 48.53, 2));
  CHECK(rounds_to(score.precisions[0], 82.4, 1));
  CHECK(rounds_to(score.precisions[1], 50.0, 1));
  CHECK(rounds_to(score.precisions[2], 45.5, 1));
  CHECK(rounds_to(score.precisions[3], 37.5, 1));
  CHECK(rounds_to(score.brevity_penalty, 0.943, 3));
  CHECK(score.hyp_len == 17);
  CHECK(score.ref_len == 18);
  // Exactly: 14/17, 7/14, 5/11, 3/8 and exp(1 - 18/17).
  CHECK(score.precisions[0] == Approx(100.0 * 14 / 17).epsilon(1e-12));
  CHECK(score.precisions[3] == Approx(100.0 * 3 / 8).epsilon(1e-12));
  CHECK(score.brevity_penalty == Approx(std::exp(1.0 - 18.0 / 17.0)).epsilon(1e-12));
}

TEST_CASE("corpus_bleu: sacrebleu's README variable-references example, BLEU = 29.44") {
  // Same, with the first sentence's first reference removed. Published output: "BLEU = 29.44
  // 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)".
  References refs = kReadmeRefs;
  refs[0].erase(refs[0].begin());
  BleuScore score = corpus_bleu(kReadmeSys, refs);
  CHECK(rounds_to(score.score, 29.44, 2));
  CHECK(rounds_to(score.precisions[1], 42.9, 1));
  CHECK(rounds_to(score.precisions[2], 27.3, 1));
  CHECK(rounds_to(score.precisions[3], 12.5, 1));
  CHECK(rounds_to(score.brevity_penalty, 0.889, 3));
  CHECK(score.ref_len == 19);
}

TEST_CASE("corpus_bleu: a perfect match scores 100; the brevity penalty by hand") {
  const Tokens sentence = words("a b c d e f g h");
  BleuScore perfect = corpus_bleu({sentence}, std::vector<Tokens>{sentence});
  CHECK(perfect.score == Approx(100).epsilon(1e-12));
  CHECK(perfect.brevity_penalty == 1.0);
  // The hypothesis is the reference's first 6 of 8 tokens: every n-gram matches, BP = exp(1 - 8/6).
  BleuScore short_hyp = corpus_bleu({words("a b c d e f")}, std::vector<Tokens>{sentence});
  CHECK(short_hyp.brevity_penalty == Approx(std::exp(1.0 - 8.0 / 6.0)).epsilon(1e-12));
  CHECK(short_hyp.score == Approx(100 * std::exp(1.0 - 8.0 / 6.0)).epsilon(1e-12));
  // Longer than the reference: no penalty (precision already punishes extra words).
  BleuScore long_hyp = corpus_bleu({words("a b c d e f g h i j")}, std::vector<Tokens>{sentence});
  CHECK(long_hyp.brevity_penalty == 1.0);
  CHECK(long_hyp.precisions[0] == Approx(80).epsilon(1e-12));
  // The closest reference length counts (7 for a 7-token hypothesis, not 5 or 12); ties go to the shorter.
  const std::vector<Tokens> refs = {words("a b c d e"), words("a b c d e f g"), words("a b c d e f g h i j k l")};
  BleuScore closest = corpus_bleu({words("a b c d e f g")}, References{refs});
  CHECK(closest.ref_len == 7);
  BleuScore tie = corpus_bleu({words("a b c d e f")}, References{{words("a b c d e f g"), words("a b c d e")}});
  CHECK(tie.ref_len == 5);
}

TEST_CASE("corpus_bleu: counts are summed over the corpus, not sentence scores averaged") {
  // Sentence 1 matches fully (4 tokens), sentence 2 not at all (4 tokens): p_1 = 4/8, p_4 = 1/2 of 2.
  BleuScore score = corpus_bleu({words("a b c d e"), words("v w x y z")},
                                std::vector<Tokens>{words("a b c d e"), words("p q r s t")});
  CHECK(score.precisions[0] == Approx(50).epsilon(1e-12));
  CHECK(score.precisions[3] == Approx(50).epsilon(1e-12));
  CHECK(score.score == Approx(50).epsilon(1e-12));
}

TEST_CASE("corpus_bleu: an order without matches: exp smoothing (sacrebleu's default) or BLEU 0") {
  // The recomputation's corpus (bleu_chrf_reference.h) has 3-gram matches but no 4-gram match.
  std::vector<Tokens> hyps;
  References refs;
  for (const std::string& h : ref::kBleuHyps) hyps.push_back(words(h));
  for (const auto& rs : ref::kBleuRefs) {
    refs.emplace_back();
    for (const std::string& r : rs) refs.back().push_back(words(r));
  }
  BleuScore exp = corpus_bleu(hyps, refs);
  CHECK(exp.score == Approx(ref::kBleuExp).epsilon(1e-12));
  for (int n = 0; n < 4; ++n) CHECK(exp.precisions[n] == Approx(ref::kBleuExpPrecisions[n]).epsilon(1e-12));
  BleuScore none = corpus_bleu(hyps, refs, BleuSmoothing::None);
  CHECK(none.score == 0.0);
  CHECK(none.precisions[3] == 0.0);
  CHECK(none.precisions[2] == Approx(ref::kBleuExpPrecisions[2]).epsilon(1e-12));
  // Nothing matches at all: 0 with either smoothing.
  CHECK(corpus_bleu({words("x y z w")}, std::vector<Tokens>{words("a b c d")}).score == 0.0);
  // Hypotheses shorter than 4 tokens have no 4-grams (p_4 = 0/0): 0, never NaN.
  BleuScore three = corpus_bleu({words("a b c")}, std::vector<Tokens>{words("a b c")});
  CHECK(three.score == 0.0);
  CHECK(three.precisions[2] == Approx(100));
}

TEST_CASE("corpus_bleu: empty corpus and empty sentences") {
  BleuScore empty = corpus_bleu(std::vector<Tokens>{}, std::vector<Tokens>{});
  CHECK(empty.score == 0.0);
  CHECK(empty.brevity_penalty == 1.0);
  CHECK(empty.hyp_len == 0);
  CHECK(empty.ref_len == 0);
  BleuScore no_words = corpus_bleu({Tokens{}}, std::vector<Tokens>{words("a b c d")});
  CHECK(no_words.score == 0.0);
  CHECK(no_words.brevity_penalty == 0.0);
  CHECK(std::isfinite(no_words.score));
}

TEST_CASE("corpus_bleu: errors name corpus_bleu and the counts") {
  CHECK_THROWS_WITH_AS(corpus_bleu({words("a b"), words("c d")}, std::vector<Tokens>{words("a b")}),
                       Contains("corpus_bleu: 2 hypotheses but 1 references"), muse::Error);
  CHECK_THROWS_WITH_AS(corpus_bleu({words("a b")}, References{{words("a")}, {words("b")}, {words("c")}}),
                       Contains("corpus_bleu: 1 hypotheses but 3 reference lists"), muse::Error);
  CHECK_THROWS_WITH_AS(corpus_bleu({words("a b"), words("c")}, References{{words("a b")}, {}}),
                       Contains("corpus_bleu: hypothesis 1 of 2 has no reference"), muse::Error);
}
