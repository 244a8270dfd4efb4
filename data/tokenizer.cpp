// UTF-8 decoding and the character tokenizer; the JSON checks both tokenizers share (tokens_json.h).
#include "muse/data/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "muse/error.h"
#include "tokens_json.h"

namespace muse::data {
namespace {

std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

}  // namespace

// Lead byte 0xxxxxxx: 1 byte; 110xxxxx: 2; 1110xxxx: 3; 11110xxx: 4; each following byte is 10xxxxxx and
// carries 6 bits. The shortest form is the only valid one (overlong "C0 AF" for '/' is an error).
char32_t next_code_point(std::string_view text, size_t& pos, std::string_view op) {
  const size_t start = pos;
  check(start < text.size(), op, ": no character at byte ", start, ", the end of the text");
  auto fail = [&](const std::string& why) -> char32_t {
    throw Error(str(op, ": invalid UTF-8 at byte ", start, ": ", why));
  };
  const auto lead = static_cast<unsigned char>(text[start]);
  if (lead < 0x80) return static_cast<char32_t>(text[pos++]);
  int length = 0;
  char32_t cp = 0, min = 0;
  if (lead >= 0xc0 && lead < 0xe0) length = 2, cp = lead & 0x1f, min = 0x80;
  else if (lead >= 0xe0 && lead < 0xf0) length = 3, cp = lead & 0x0f, min = 0x800;
  else if (lead >= 0xf0 && lead < 0xf8) length = 4, cp = lead & 0x07, min = 0x10000;
  else if (lead < 0xc0) return fail(str("unexpected continuation byte ", hex_byte(lead)));
  else return fail(str("invalid lead byte ", hex_byte(lead)));
  for (int i = 1; i < length; ++i) {
    if (start + i >= text.size()) return fail(str("truncated sequence (", length, " bytes expected, text ends)"));
    const auto b = static_cast<unsigned char>(text[start + i]);
    if ((b & 0xc0) != 0x80) {
      return fail(str("truncated sequence (byte ", start + i, " is ", hex_byte(b), ", not a continuation byte)"));
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  const std::string hex = str(std::hex, std::uppercase, static_cast<uint32_t>(cp));
  if (cp < min) return fail("overlong encoding of U+" + hex);
  if (cp >= 0xd800 && cp <= 0xdfff) return fail("surrogate U+" + hex);
  if (cp > 0x10ffff) return fail(str("code point above U+10FFFF"));
  pos = start + length;
  return cp;
}

std::vector<std::string> utf8_chars(std::string_view text) {
  std::vector<std::string> chars;
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    next_code_point(text, pos, "utf8_chars");
    chars.emplace_back(text.substr(start, pos - start));
  }
  return chars;
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::string tokens_to_json(std::string_view type, const std::vector<std::string>& tokens) {
  return nlohmann::json{{"type", type}, {"tokens", tokens}}.dump();
}

std::vector<std::string> tokens_from_json(const std::string& json, std::string_view type, std::string_view op) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(str(op, ": not valid JSON: ", e.what()));
  }
  check(j.is_object(), op, ": expected a JSON object, got ", j.type_name());
  check(j.contains("type") && j["type"].is_string() && j["type"] == type, op, ": \"type\" must be \"", type,
        "\"");
  check(j.contains("tokens") && j["tokens"].is_array(), op, ": \"tokens\" must be an array of strings");
  std::vector<std::string> tokens;
  std::unordered_set<std::string> seen;
  for (const auto& t : j["tokens"]) {
    const auto id = static_cast<int64_t>(tokens.size());
    check(t.is_string(), op, ": token ", id, " is a ", t.type_name(), ", not a string");
    tokens.push_back(t.get<std::string>());
    check(seen.insert(tokens.back()).second, op, ": duplicate token \"", tokens.back(), "\" at id ", id);
  }
  for (size_t i = 0; i < kSpecialTokens.size(); ++i) {
    check(i < tokens.size() && tokens[i] == kSpecialTokens[i], op, ": token ", i, " must be the special \"",
          kSpecialTokens[i], "\"");
  }
  return tokens;
}

CharTokenizer::CharTokenizer(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  for (size_t id = kSpecialTokens.size(); id < tokens_.size(); ++id) {
    size_t pos = 0;
    const char32_t cp = next_code_point(tokens_[id], pos, "CharTokenizer");
    ids_.emplace(cp, static_cast<int64_t>(id));
  }
}

CharTokenizer CharTokenizer::build(std::string_view corpus, int64_t max_size) {
  check(max_size >= 4, "CharTokenizer::build: max_size must be at least 4 (the special tokens), got ", max_size);
  std::unordered_map<char32_t, int64_t> counts;
  for (size_t pos = 0; pos < corpus.size();) counts[next_code_point(corpus, pos, "CharTokenizer::build")] += 1;
  std::vector<std::pair<char32_t, int64_t>> order(counts.begin(), counts.end());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  order.resize(std::min<size_t>(order.size(), static_cast<size_t>(max_size) - kSpecialTokens.size()));
  std::vector<std::string> tokens(kSpecialTokens.begin(), kSpecialTokens.end());
  for (const auto& [cp, count] : order) append_utf8(cp, tokens.emplace_back());
  return CharTokenizer(std::move(tokens));
}

std::vector<int64_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    auto it = ids_.find(next_code_point(text, pos, "CharTokenizer::encode"));
    ids.push_back(it == ids_.end() ? kUnk : it->second);
  }
  return ids;
}

std::string CharTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string text;
  for (int64_t id : ids) {
    check(id >= 0 && id < size(), "CharTokenizer::decode: id ", id, " out of range [0, ", size(), ")");
    if (id >= static_cast<int64_t>(kSpecialTokens.size())) text += tokens_[id];
  }
  return text;
}

std::string CharTokenizer::to_json() const { return tokens_to_json("char", tokens_); }

CharTokenizer CharTokenizer::from_json(const std::string& json) {
  std::vector<std::string> tokens = tokens_from_json(json, "char", "CharTokenizer::from_json");
  for (size_t id = kSpecialTokens.size(); id < tokens.size(); ++id) {
    size_t pos = 0;
    const bool one_char = !tokens[id].empty() && (next_code_point(tokens[id], pos, "CharTokenizer::from_json"),
                                                  pos == tokens[id].size());
    check(one_char, "CharTokenizer::from_json: token ", id, " \"", tokens[id], "\" is not exactly one character");
  }
  return CharTokenizer(std::move(tokens));
}

}  // namespace muse::data
