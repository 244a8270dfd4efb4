// The two Bibles, read through their Debian command-line readers, and the English -> Spanish verse pairs.
//   bible -f 'Gen1:1-Rev22:21'                                  "Ge1:1 In the beginning God created ..."
//   diatheke -b spaRV1909eb -f plain -k 'Gen 1:1-Rev 22:21'     "Genesis 1:1: EN el principio crió Dios ..."
//                                                               then a last line "(spaRV1909eb)"
// Both use the KJV's versification, so verse i of one is verse i of the other: checked by comparing the
// (book, chapter, verse) references, books counted in order of appearance since their names differ.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "muse/data/corpora.h"
#include "muse/data/tokenizer.h"
#include "muse/error.h"

namespace muse::data {
namespace fs = std::filesystem;
namespace {

struct Verse {
  int64_t book = 0, chapter = 0, verse = 0;  // book: 0 = Genesis ... 65 = Revelation
  std::string text;
};

// The standard output of `program args`; a missing program or a failed run is a muse::Error.
std::string run(std::string_view op, const fs::path& program, const std::string& args, std::string_view install) {
  check(fs::exists(program), op, ": ", program.string(), " not found; install it with `make corpora` (or: ",
        install, ")");
  const std::string command = str("'", program.string(), "' ", args);
  FILE* pipe = popen(command.c_str(), "r");
  check(pipe != nullptr, op, ": cannot run ", command);
  std::string out;
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = pclose(pipe);
  check(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0, op, ": `", command, "` failed (",
        status != -1 && WIFEXITED(status) ? str("exit status ", WEXITSTATUS(status)) : std::string("killed"),
        "); reinstall it with `make corpora` (or: ", install, ")");
  return out;
}

// Spaces collapsed to one, none at either end; Strong's numbers (" <G5547>", " <H1234>") removed.
std::string clean(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 2 < text.size() && (text[i + 1] == 'G' || text[i + 1] == 'H')) {
      size_t j = i + 2;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      if (j > i + 2 && j < text.size() && text[j] == '>') {
        while (!out.empty() && out.back() == ' ') out.pop_back();  // "Jesucristo <G5547>, y" -> "Jesucristo, y"
        i = j;
        continue;
      }
    }
    const bool space = text[i] == ' ' || text[i] == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : text[i];
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// "<book><chapter>:<verse>" at the end of ref: sets chapter and verse, returns the book's name.
std::string parse_reference(std::string_view op, std::string_view ref, int64_t line, Verse& v) {
  const size_t colon = ref.rfind(':');
  size_t begin = colon;
  while (begin > 0 && begin != std::string_view::npos && ref[begin - 1] >= '0' && ref[begin - 1] <= '9') --begin;
  const bool ok = colon != std::string_view::npos && begin < colon && colon + 1 < ref.size() &&
                  ref.find_first_not_of("0123456789", colon + 1) == std::string_view::npos;
  check(ok, op, ": line ", line, ": cannot read the reference '", ref, "'");
  v.chapter = std::stoll(std::string(ref.substr(begin, colon - begin)));
  v.verse = std::stoll(std::string(ref.substr(colon + 1)));
  return std::string(ref.substr(0, begin));
}

// One verse a line, "<reference><separator><text>"; books are numbered as their names change.
std::vector<Verse> parse_verses(std::string_view op, const std::string& out, std::string_view separator,
                                std::string_view install) {
  std::vector<Verse> verses;
  std::string book;
  std::istringstream lines(out);
  int64_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    number += 1;
    if (line.empty() || (line.front() == '(' && line.back() == ')')) continue;  // diatheke's "(module)"
    const size_t end = line.find(separator);
    check(end != std::string::npos, op, ": line ", number, " is not a verse: '", line, "'");
    Verse v;
    std::string name = parse_reference(op, std::string_view(line).substr(0, end), number, v);
    if (!verses.empty()) v.book = verses.back().book + (name != book);
    book = std::move(name);
    v.text = clean(std::string_view(line).substr(end + separator.size()));
    verses.push_back(std::move(v));
  }
  check(static_cast<int64_t>(verses.size()) == kBibleVerses, op, ": expected ", kBibleVerses, " verses, got ",
        verses.size(), "; reinstall with `make corpora` (or: ", install, ")");
  return verses;
}

std::vector<Verse> kjv(const CorpusSources& sources) {
  constexpr const char* install = "sudo apt-get install bible-kjv";
  return parse_verses("kjv_verses", run("kjv_verses", sources.bible, "-f 'Gen1:1-Rev22:21'", install), " ",
                      install);
}

std::vector<Verse> reina_valera(const CorpusSources& sources) {
  constexpr const char* install = "sudo apt-get install diatheke sword-text-sparv";
  const std::string out =
      run("spanish_verses", sources.diatheke, "-b spaRV1909eb -f plain -k 'Gen 1:1-Rev 22:21'", install);
  return parse_verses("spanish_verses", out, ": ", install);
}

std::vector<std::string> texts(std::vector<Verse> verses) {
  std::vector<std::string> out;
  out.reserve(verses.size());
  for (Verse& v : verses) out.push_back(std::move(v.text));
  return out;
}

int64_t count_words(std::string_view sentence) {
  int64_t words = 0;
  for (const std::string& token : WordTokenizer::split(sentence)) words += !WordTokenizer::is_punctuation(token);
  return words;
}

}  // namespace

std::vector<std::string> kjv_verses(const CorpusSources& sources) { return texts(kjv(sources)); }

std::vector<std::string> spanish_verses(const CorpusSources& sources) { return texts(reina_valera(sources)); }

TranslationCorpus english_spanish(int64_t max_words, const CorpusSources& sources) {
  check(max_words >= 1, "english_spanish: max_words must be at least 1, got ", max_words);
  const std::vector<Verse> en = kjv(sources), es = reina_valera(sources);
  for (size_t i = 0; i < en.size(); ++i) {
    check(en[i].book == es[i].book && en[i].chapter == es[i].chapter && en[i].verse == es[i].verse,
          "english_spanish: verse ", i, " is ", en[i].book, " ", en[i].chapter, ":", en[i].verse,
          " in the KJV but ", es[i].book, " ", es[i].chapter, ":", es[i].verse, " in the Reina-Valera");
  }
  // Chapters to leave out: (book, chapter) of each empty Spanish verse and the chapter after it.
  std::vector<std::pair<int64_t, int64_t>> skipped;
  for (const Verse& v : es) {
    if (v.text.empty()) skipped.insert(skipped.end(), {{v.book, v.chapter}, {v.book, v.chapter + 1}});
  }
  TranslationCorpus corpus;
  for (size_t i = 0; i < en.size(); ++i) {
    const std::pair<int64_t, int64_t> chapter{en[i].book, en[i].chapter};
    if (std::find(skipped.begin(), skipped.end(), chapter) != skipped.end()) continue;
    const int64_t en_words = count_words(en[i].text), es_words = count_words(es[i].text);
    if (en_words == 0 || es_words == 0 || en_words > max_words || es_words > max_words) continue;
    (i % 20 == 19 ? corpus.test : corpus.train).push_back({en[i].text, es[i].text});
  }
  return corpus;
}

}  // namespace muse::data
