// The regular Tang poems of chinese-poetry's quantangshi (Complete Tang Poems), converted to simplified
// characters by OpenCC. All poems go through OpenCC as one text, one poem a line: one call instead of
// 47,000 (about a second in all).
#include <opencc.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "muse/data/corpora.h"
#include "muse/data/tokenizer.h"
#include "muse/error.h"

namespace muse::data {
namespace fs = std::filesystem;
namespace {

constexpr const char* kInstall =
    "install it with `make corpora` (or: sudo npm install -g --prefix /usr chinese-poetry)";

// Every clause between ，。？！； has the same length, 5 or 7 characters; no clause is empty.
bool is_regular(std::string_view poem) {
  const std::u32string_view separators = U"，。？！；";
  std::vector<int64_t> clauses;  // lengths in characters
  int64_t length = 0;
  for (size_t pos = 0; pos < poem.size();) {
    const char32_t c = next_code_point(poem, pos, "tang_poems");
    if (separators.find(c) == std::u32string_view::npos) {
      length += 1;
    } else {
      clauses.push_back(length);
      length = 0;
    }
  }
  if (length > 0) clauses.push_back(length);  // a last clause without its full stop
  if (clauses.empty() || (clauses[0] != 5 && clauses[0] != 7)) return false;
  return std::all_of(clauses.begin(), clauses.end(), [&](int64_t n) { return n == clauses[0]; });
}

// poet.tang.0.json, poet.tang.1000.json, ... in numeric order.
std::vector<fs::path> poem_files(const fs::path& package) {
  const fs::path dir = package / "dist" / "quantangshi";
  check(fs::is_directory(package), "tang_poems: ", package.string(), " not found; ", kInstall);
  check(fs::is_directory(dir), "tang_poems: ", dir.string(), " not found (an incomplete chinese-poetry?); ",
        kInstall);
  std::vector<std::pair<int64_t, fs::path>> numbered;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string prefix = "poet.tang.", suffix = ".json";
    if (!name.starts_with(prefix) || !name.ends_with(suffix)) continue;
    const std::string number = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (number.empty() || !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    numbered.emplace_back(std::stoll(number), entry.path());
  }
  check(!numbered.empty(), "tang_poems: no poet.tang.*.json in ", dir.string(), "; ", kInstall);
  std::sort(numbered.begin(), numbered.end());
  std::vector<fs::path> files;
  for (auto& [number, path] : numbered) files.push_back(std::move(path));
  return files;
}

// Appends the regular poems of one file to text, one a line.
void append_regular_poems(const fs::path& file, std::string& text, int64_t& count) {
  std::ifstream in(file, std::ios::binary);
  check(in.good(), "tang_poems: cannot open ", file.string());
  nlohmann::json poems;
  try {
    poems = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(str("tang_poems: ", file.string(), ": ", e.what()));
  }
  check(poems.is_array(), "tang_poems: ", file.string(), ": expected an array of poems");
  for (const auto& poem : poems) {
    const auto paragraphs = poem.is_object() ? poem.find("paragraphs") : poem.end();
    check(paragraphs != poem.end() && paragraphs->is_array(), "tang_poems: ", file.string(),
          ": a poem without a \"paragraphs\" array");
    std::string joined;
    for (const auto& p : *paragraphs) {
      check(p.is_string(), "tang_poems: ", file.string(), ": a paragraph that is not a string");
      joined += p.get_ref<const std::string&>();
    }
    if (joined.find('\n') != std::string::npos || !is_regular(joined)) continue;
    text += joined;
    text += '\n';
    count += 1;
  }
}

// Traditional -> simplified characters with OpenCC's t2s.json (characters and phrases).
std::string to_simplified(const std::string& text) {
  opencc_t converter = opencc_open("t2s.json");
  check(converter != reinterpret_cast<opencc_t>(-1), "tang_poems: OpenCC cannot load t2s.json (",
        opencc_error(), "); install it with `make corpora` (or: sudo apt-get install libopencc1.1 libopencc-data)");
  char* converted = opencc_convert_utf8(converter, text.data(), text.size());
  const std::string error = converted == nullptr ? opencc_error() : "";
  std::string result = converted == nullptr ? "" : converted;
  if (converted != nullptr) opencc_convert_utf8_free(converted);
  const int closed = opencc_close(converter);
  check(converted != nullptr, "tang_poems: OpenCC failed to convert: ", error);
  check(closed == 0, "tang_poems: OpenCC failed to close its converter");
  return result;
}

}  // namespace

std::vector<std::string> tang_poems(const CorpusSources& sources) {
  std::string text;
  int64_t count = 0;
  for (const fs::path& file : poem_files(sources.chinese_poetry)) append_regular_poems(file, text, count);
  const std::string simplified = to_simplified(text);
  std::vector<std::string> poems;
  poems.reserve(count);
  std::istringstream lines(simplified);
  for (std::string line; std::getline(lines, line);) poems.push_back(std::move(line));
  check(static_cast<int64_t>(poems.size()) == count, "tang_poems: OpenCC returned ", poems.size(),
        " lines for ", count, " poems");
  return poems;
}

}  // namespace muse::data
