// The text corpora read from their Debian and npm packages (installed by `make test`). A test is skipped,
// with a message, only when its package is missing.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "muse/data/corpora.h"
#include "muse/data/tokenizer.h"
#include "muse/error.h"

using namespace muse;
using namespace muse::data;
using doctest::Contains;
namespace fs = std::filesystem;

namespace {

bool installed(const fs::path& path, const char* package) {
  if (fs::exists(path)) return true;
  MESSAGE("skipped: ", path.string(), " is missing (install ", package, " with `make corpora`)");
  return false;
}

bool bibles_installed() {
  const CorpusSources s;
  return installed(s.bible, "bible-kjv") && installed(s.diatheke, "diatheke") &&
         installed("/usr/share/sword/mods.d/spaRV1909eb.conf", "sword-text-sparv");
}

// Clause lengths in characters, the clauses ending at ，。？！；.
std::vector<size_t> clause_lengths(const std::string& poem) {
  std::vector<size_t> lengths{0};
  for (const std::string& c : utf8_chars(poem)) {
    if (c == "，" || c == "。" || c == "？" || c == "！" || c == "；") lengths.push_back(0);
    else lengths.back() += 1;
  }
  if (lengths.back() == 0) lengths.pop_back();
  return lengths;
}

}  // namespace

TEST_CASE("tang_poems: the regular poems, simplified") {
  if (!installed(CorpusSources{}.chinese_poetry, "chinese-poetry (npm)")) return;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> poems = tang_poems();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("tang_poems: ", poems.size(), " poems in ", seconds, " s");
  CHECK(poems.size() == 47709);

  std::unordered_map<std::string, int64_t> counts;
  int64_t chars = 0;
  for (const std::string& poem : poems) {
    const std::vector<size_t> lengths = clause_lengths(poem);
    REQUIRE(!lengths.empty());
    CHECK((lengths[0] == 5 || lengths[0] == 7));
    CHECK(std::all_of(lengths.begin(), lengths.end(), [&](size_t n) { return n == lengths[0]; }));
    for (std::string& c : utf8_chars(poem)) {
      chars += 1;
      counts[std::move(c)] += 1;
    }
  }
  const auto beyond_bmp =
      std::count_if(counts.begin(), counts.end(), [](const auto& e) { return e.first.size() == 4; });
  MESSAGE("tang_poems: ", chars, " characters, ", counts.size(), " distinct, ", beyond_bmp, " beyond the BMP");
  CHECK(chars == 2778978);  // the traditional text's count: t2s maps character to character here
  CHECK(counts.size() == 8093);  // 8,431 in traditional characters
  CHECK(beyond_bmp == 350);       // 186 in traditional: t2s maps some to Extension B..E forms (繻 -> 𦈡)

  // 王之涣's 登鹳雀楼 (traditional 登鸛雀樓 in the package) and the opening of 张若虚's 春江花月夜.
  const std::string stork_tower = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。";
  CHECK(std::find(poems.begin(), poems.end(), stork_tower) != poems.end());
  CHECK(std::any_of(poems.begin(), poems.end(), [](const std::string& p) {
    return p.starts_with("春江潮水连海平，海上明月共潮生。"
                         "滟滟随波千万里，何处春江无月明？");
  }));
  CHECK(counts.count("鄉") == 0);  // traditional forms are gone: 鄉 -> 乡, 無 -> 无
  CHECK(counts.count("無") == 0);
  CHECK(counts.count("乡") == 1);

  const auto tok = CharTokenizer::build(poems[0] + poems[1], 4000);
  CHECK(tok.decode(tok.encode(poems[1])) == poems[1]);
}

TEST_CASE("kjv_verses and spanish_verses") {
  if (!bibles_installed()) return;
  const std::vector<std::string> en = kjv_verses();
  REQUIRE(en.size() == 31102);
  CHECK(en.front() == "In the beginning God created the heaven and the earth.");
  CHECK(en.back() == "The grace of our Lord Jesus Christ be with you all. Amen.");
  CHECK(en[26558] == "Jesus wept.");  // John 11:35

  const std::vector<std::string> es = spanish_verses();
  REQUIRE(es.size() == 31102);
  CHECK(es.front() == "EN el principio crió Dios los cielos y la tierra.");
  CHECK(es.back() == "La gracia de nuestro Señor Jesucristo sea con todos vosotros. Amén.");  // had <G5547>
  CHECK(es[26558] == "Y lloró Jesús.");
  CHECK(std::count(es.begin(), es.end(), "") == 18);
  CHECK(std::none_of(es.begin(), es.end(), [](const std::string& v) {
    return v.find('<') != std::string::npos || v.find("  ") != std::string::npos || v.ends_with(" ");
  }));
}

TEST_CASE("english_spanish: aligned pairs, every 20th verse held out") {
  if (!bibles_installed()) return;
  const TranslationCorpus corpus = english_spanish();
  MESSAGE("english_spanish(16): ", corpus.train.size(), " train, ", corpus.test.size(), " test pairs");
  CHECK(corpus.train.size() == 6222);
  CHECK(corpus.test.size() == 324);
  auto words = [](const std::string& s) {
    const auto tokens = WordTokenizer::split(s);
    return std::count_if(tokens.begin(), tokens.end(), [](const auto& t) { return !WordTokenizer::is_punctuation(t); });
  };
  // Every test pair is a verse at index % 20 == 19, every train pair one at another index (a few pairs
  // occur several times).
  const std::vector<std::string> en = kjv_verses(), es = spanish_verses();
  std::unordered_map<std::string, std::vector<size_t>> index;
  for (size_t i = 0; i < en.size(); ++i) index[en[i] + "\t" + es[i]].push_back(i);
  auto at_index = [&](const SentencePair& p, bool test) {
    const auto& at = index.at(p.source + "\t" + p.target);
    return std::any_of(at.begin(), at.end(), [&](size_t i) { return (i % 20 == 19) == test; });
  };
  for (const auto& set : {corpus.train, corpus.test}) {
    for (const SentencePair& p : set) {
      CHECK(words(p.source) >= 1);
      CHECK(words(p.source) <= 16);
      CHECK(words(p.target) >= 1);
      CHECK(words(p.target) <= 16);
    }
  }
  CHECK(std::all_of(corpus.test.begin(), corpus.test.end(), [&](const auto& p) { return at_index(p, true); }));
  CHECK(std::all_of(corpus.train.begin(), corpus.train.end(), [&](const auto& p) { return at_index(p, false); }));
  const SentencePair wept{"Jesus wept.", "Y lloró Jesús."};  // John 11:35, index 26558: train
  auto has = [](const std::vector<SentencePair>& v, const SentencePair& p) {
    return std::any_of(v.begin(), v.end(), [&](const auto& q) { return q.source == p.source && q.target == p.target; });
  };
  CHECK(has(corpus.train, wept));
  CHECK(has(corpus.test, {"Then said the Jews, Behold how he loved him!",  // John 11:36, index 26559
                          "Dijeron entonces los Judíos: Mirad cómo le amaba."}));
  // Numbers 13 is numbered one verse off in the Spanish module (its 12:16 is empty): left out.
  CHECK_FALSE(has(corpus.train, {"And the LORD spake unto Moses, saying,", "Y DESPUÉS movió el pueblo de Haseroth, y "
                                 "asentaron el campo en el desierto de Parán."}));

  const TranslationCorpus short_pairs = english_spanish(5);
  CHECK(short_pairs.train.size() < corpus.train.size() / 4);
  for (const SentencePair& p : short_pairs.train) CHECK((words(p.source) <= 5 && words(p.target) <= 5));
  CHECK(has(short_pairs.train, wept));
  CHECK_THROWS_WITH_AS(english_spanish(0), Contains("english_spanish: max_words must be at least 1, got 0"), Error);
}

TEST_CASE("corpora: a missing package names the command that installs it") {
  CHECK_THROWS_WITH_AS(tang_poems({.chinese_poetry = "/nonexistent/chinese-poetry"}),
                       Contains("tang_poems: /nonexistent/chinese-poetry not found; install it with `make corpora` "
                                "(or: sudo npm install -g --prefix /usr chinese-poetry)"),
                       Error);
  CHECK_THROWS_WITH_AS(tang_poems({.chinese_poetry = fs::temp_directory_path()}),
                       Contains("dist/quantangshi not found (an incomplete chinese-poetry?)"), Error);
  CHECK_THROWS_WITH_AS(kjv_verses({.bible = "/nonexistent/bible"}),
                       Contains("kjv_verses: /nonexistent/bible not found; install it with `make corpora` "
                                "(or: sudo apt-get install bible-kjv)"),
                       Error);
  CHECK_THROWS_WITH_AS(spanish_verses({.diatheke = "/nonexistent/diatheke"}),
                       Contains("spanish_verses: /nonexistent/diatheke not found; install it with `make corpora` "
                                "(or: sudo apt-get install diatheke sword-text-sparv)"),
                       Error);
  CHECK_THROWS_WITH_AS(english_spanish(16, {.bible = "/nonexistent/bible"}), Contains("kjv_verses: "), Error);
  // A reader that fails, or prints nothing (diatheke without the Spanish module exits 0 and prints nothing).
  CHECK_THROWS_WITH_AS(kjv_verses({.bible = "/bin/false"}), Contains("failed (exit status 1)"), Error);
  CHECK_THROWS_WITH_AS(spanish_verses({.diatheke = "/bin/true"}),
                       Contains("spanish_verses: expected 31102 verses, got 0; reinstall with `make corpora` "
                                "(or: sudo apt-get install diatheke sword-text-sparv)"),
                       Error);
}
