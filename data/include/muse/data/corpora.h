// Text corpora from Debian and npm packages (docs: ../shared/DATA.md in the project notes), read offline:
//   Tang poems     npm chinese-poetry (dist/quantangshi/poet.tang.*.json), simplified with libopencc (t2s.json)
//   KJV            Debian bible-kjv: `bible -f 'Gen1:1-Rev22:21'`
//   Spanish        Debian sword-text-sparv (Reina-Valera 1909) through Debian diatheke
// A missing package is a muse::Error that prints the command installing it (`make corpora`, or the
// apt-get / npm line).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace muse::data {

// Where the corpora are read from; tests point these elsewhere to check the missing-package errors.
struct CorpusSources {
  std::filesystem::path chinese_poetry = "/usr/lib/node_modules/chinese-poetry";  // npm install -g --prefix /usr
  std::filesystem::path bible = "/usr/bin/bible";                                // apt-get install bible-kjv
  std::filesystem::path diatheke = "/usr/bin/diatheke";                          // apt-get install diatheke
};

inline constexpr int64_t kBibleVerses = 31102;

// Regular Tang poems (every clause between ，。？！； of 5 or 7 characters, all of one length), in simplified
// characters (libopencc, t2s.json), each poem its paragraphs concatenated: "床前明月光，疑是地上霜。...".
// In file order (poet.tang.0.json, poet.tang.1000.json, ...).
std::vector<std::string> tang_poems(const CorpusSources& sources = {});

// The 31,102 verses of the King James Bible, text only ("In the beginning God created ..."), in order.
std::vector<std::string> kjv_verses(const CorpusSources& sources = {});

// The 31,102 verses of the Reina-Valera 1909 (SWORD module spaRV1909eb), text only, in the KJV's order
// and versification; Strong's numbers (<G5547>) removed. 18 verses are empty: the module merges them into
// a neighbouring verse.
std::vector<std::string> spanish_verses(const CorpusSources& sources = {});

struct SentencePair { std::string source, target; };  // English, Spanish
struct TranslationCorpus { std::vector<SentencePair> train, test; };

// KJV English -> Reina-Valera 1909 Spanish, aligned by verse; pairs whose sides both have at most max_words
// words (WordTokenizer::split tokens that are not punctuation); every 20th verse (index % 20 == 19) is test.
// Left out as misaligned: where the Spanish module leaves a verse empty it has merged verses and numbers
// the rest of that chapter, and sometimes the next, one off the KJV, so both chapters are dropped.
TranslationCorpus english_spanish(int64_t max_words = 16, const CorpusSources& sources = {});

}  // namespace muse::data
