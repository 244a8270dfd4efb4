// The word tokenizer: lower-casing, splitting into words and punctuation marks, a frequency-ranked vocabulary.
#include <algorithm>

#include "muse/data/tokenizer.h"
#include "muse/error.h"
#include "tokens_json.h"

namespace muse::data {
namespace {

bool is_space(char32_t c) { return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0; }

bool is_mark(char32_t c) {
  const bool ascii = (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
                     (c >= '{' && c <= '~');
  return ascii || (c >= 0xa1 && c <= 0xbf) || c == 0xd7 || c == 0xf7 || (c >= 0x2010 && c <= 0x205e);
}

bool is_apostrophe(char32_t c) { return c == '\'' || c == 0x2019; }

// Whether a word character (neither space nor mark) starts at text[pos].
bool starts_word(std::string_view text, size_t pos) {
  if (pos >= text.size()) return false;
  const char32_t c = next_code_point(text, pos, "WordTokenizer::split");
  return !is_space(c) && !is_mark(c);
}

// ASCII A-Z and Latin-1 À..Þ (except × U+00D7) sit 0x20 below their lower-case forms.
char32_t to_lower(char32_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7)) return c + 0x20;
  return c;
}

}  // namespace

std::vector<std::string> WordTokenizer::split(std::string_view sentence) {
  std::vector<std::string> tokens;
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  for (size_t pos = 0; pos < sentence.size();) {
    const size_t start = pos;
    const char32_t c = next_code_point(sentence, pos, "WordTokenizer::split");
    if (is_space(c)) {
      end_word();
    } else if (is_apostrophe(c) && !word.empty() && starts_word(sentence, pos)) {
      word.append(sentence.substr(start, pos - start));  // "king's": one word
    } else if (is_mark(c)) {
      end_word();
      tokens.emplace_back(sentence.substr(start, pos - start));
    } else {
      append_utf8(to_lower(c), word);
    }
  }
  end_word();
  return tokens;
}

bool WordTokenizer::is_punctuation(std::string_view token) {
  if (token.empty()) return false;
  size_t pos = 0;
  const char32_t c = next_code_point(token, pos, "WordTokenizer::is_punctuation");
  return pos == token.size() && is_mark(c);
}

WordTokenizer::WordTokenizer(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  for (size_t id = kSpecialTokens.size(); id < tokens_.size(); ++id) ids_.emplace(tokens_[id], id);
}

WordTokenizer WordTokenizer::build(const std::vector<std::string>& sentences, int64_t min_freq, int64_t max_size) {
  check(min_freq >= 1, "WordTokenizer::build: min_freq must be at least 1, got ", min_freq);
  check(max_size == 0 || max_size >= 4, "WordTokenizer::build: max_size must be 0 (no limit) or at least 4 ",
        "(the special tokens), got ", max_size);
  std::unordered_map<std::string, int64_t> counts;
  for (const std::string& sentence : sentences) {
    for (std::string& token : split(sentence)) counts[std::move(token)] += 1;
  }
  std::vector<std::pair<std::string, int64_t>> order;
  for (auto& [token, count] : counts) {
    if (count >= min_freq) order.emplace_back(token, count);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (max_size > 0) order.resize(std::min<size_t>(order.size(), max_size - kSpecialTokens.size()));
  std::vector<std::string> tokens(kSpecialTokens.begin(), kSpecialTokens.end());
  for (auto& entry : order) tokens.push_back(std::move(entry.first));
  return WordTokenizer(std::move(tokens));
}

std::vector<int64_t> WordTokenizer::encode(std::string_view sentence) const {
  std::vector<int64_t> ids;
  for (const std::string& token : split(sentence)) {
    auto it = ids_.find(token);
    ids.push_back(it == ids_.end() ? kUnk : it->second);
  }
  return ids;
}

std::string WordTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string text;
  for (int64_t id : ids) {
    check(id >= 0 && id < size(), "WordTokenizer::decode: id ", id, " out of range [0, ", size(), ")");
    if (id < static_cast<int64_t>(kSpecialTokens.size())) continue;
    if (!text.empty()) text += ' ';
    text += tokens_[id];
  }
  return text;
}

std::string WordTokenizer::to_json() const { return tokens_to_json("word", tokens_); }

WordTokenizer WordTokenizer::from_json(const std::string& json) {
  std::vector<std::string> tokens = tokens_from_json(json, "word", "WordTokenizer::from_json");
  for (size_t id = kSpecialTokens.size(); id < tokens.size(); ++id) {
    const std::vector<std::string> parts = split(tokens[id]);
    check(parts.size() == 1 && parts[0] == tokens[id], "WordTokenizer::from_json: token ", id, " \"", tokens[id],
          "\" is not one lower-case word or punctuation mark");
  }
  return WordTokenizer(std::move(tokens));
}

}  // namespace muse::data
