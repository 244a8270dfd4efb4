// chrF against sacrebleu's published README figure, hand-derived cases, and the Python recomputation in
// bleu_chrf_reference.h.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "bleu_chrf_reference.h"
#include "muse/error.h"
#include "muse/metrics/chrf.h"

using muse::metrics::chrf;
using doctest::Approx;
using doctest::Contains;
using Strings = std::vector<std::string>;
using ReferenceLists = std::vector<Strings>;

TEST_CASE("chrf: sacrebleu's README example, chrF2 = 59.73") {
  // sacrebleu's README ("Using SacreBLEU from Python"): CHRF().corpus_score(sys, refs) prints
  // "chrF2 = 59.73" for these sentences and two reference streams (regrouped here per hypothesis).
  // chrF works on the raw sentences: no tokenization.
  const Strings sys = {"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."};
  const ReferenceLists refs = {{"The dog bit the man.", "The dog had bit the man."},
                               {"It was not unexpected.", "No one was surprised."},
                               {"The man bit him first.", "The man had bitten the dog."}};
  CHECK(std::abs(chrf(sys, refs) - 59.73) <= 0.005);  // published rounded to 2 decimals
}

TEST_CASE("chrf: identical sentences give 100, disjoint ones 0, whitespace does not count") {
  CHECK(chrf(Strings{"the cat sat"}, Strings{"the cat sat"}) == Approx(100).epsilon(1e-12));
  CHECK(chrf(Strings{"the cat sat"}, Strings{"thecat  sat\t"}) == Approx(100).epsilon(1e-12));
  CHECK(chrf(Strings{"abc"}, Strings{"xyz"}) == 0.0);
  CHECK(chrf(Strings{}, Strings{}) == 0.0);
  CHECK(chrf(Strings{""}, Strings{"abc"}) == 0.0);
}

TEST_CASE("chrf: by hand, recall weighs 4 times precision (beta = 2)") {
  // Hypothesis "ab", reference "abcd". Orders with n-grams on both sides: n = 1 (P = 2/2, R = 2/4) and
  // n = 2 (P = 1/1, R = 1/3). Means P = 1, R = 5/12; chrF2 = 5 P R / (4 P + R) = (25/12) / (53/12) = 25/53.
  CHECK(chrf(Strings{"ab"}, Strings{"abcd"}) == Approx(100.0 * 25 / 53).epsilon(1e-12));
  // Swapped, precision and recall trade places: P = 5/12, R = 1, chrF2 = (25/12) / (5/3 + 1) = 25/32.
  CHECK(chrf(Strings{"abcd"}, Strings{"ab"}) == Approx(100.0 * 25 / 32).epsilon(1e-12));
  // Clipping: "aaaa" against "ab" matches one "a" of four (P = 1/4, R = 1/2 at n = 1; n = 2 matches nothing:
  // P = 0, R = 0). Means P = 1/8, R = 1/4; chrF2 = 5 (1/32) / (1/2 + 1/4) = 5/24.
  CHECK(chrf(Strings{"aaaa"}, Strings{"ab"}) == Approx(100.0 * 5 / 24).epsilon(1e-12));
}

TEST_CASE("chrf: counts characters (code points), not bytes") {
  // "é" is 2 bytes in UTF-8 but one character: "né" against "ne" matches 1 of 2 unigrams, no bigram.
  // P = R = (1/2 + 0) / 2 = 1/4, so chrF2 = 25.
  CHECK(chrf(Strings{"n\u00e9"}, Strings{"ne"}) == Approx(25).epsilon(1e-12));
}

TEST_CASE("chrf: equals the Python recomputation (accents, CJK, no-break spaces, several references)") {
  CHECK(chrf(ref::kChrfHyps, ref::kChrfRefs) == Approx(ref::kChrf).epsilon(1e-12));
  Strings first;
  for (const Strings& refs : ref::kChrfRefs) first.push_back(refs.front());
  CHECK(chrf(ref::kChrfHyps, first) == Approx(ref::kChrfFirstRefs).epsilon(1e-12));
}

TEST_CASE("chrf: errors name chrf, the counts and the bad sentence") {
  CHECK_THROWS_WITH_AS(chrf(Strings{"a", "b"}, Strings{"a"}), Contains("chrf: 2 hypotheses but 1 references"),
                       muse::Error);
  CHECK_THROWS_WITH_AS(chrf(Strings{"a"}, ReferenceLists{{"a"}, {"b"}}),
                       Contains("chrf: 1 hypotheses but 2 reference lists"), muse::Error);
  CHECK_THROWS_WITH_AS(chrf(Strings{"a"}, ReferenceLists{{}}), Contains("chrf: hypothesis 0 of 1 has no reference"),
                       muse::Error);
  CHECK_THROWS_WITH_AS(chrf(Strings{"ok", "bad \xff"}, Strings{"ok", "bad"}),
                       Contains("chrf: hypothesis 1 is not valid UTF-8 (byte 4)"), muse::Error);
  CHECK_THROWS_WITH_AS(chrf(Strings{"ok"}, Strings{"\xc3("}),
                       Contains("chrf: reference 0 of sentence 0 is not valid UTF-8 (byte 1)"), muse::Error);
}
