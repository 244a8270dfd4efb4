// GPT-2's byte-level BPE (see muse/data/bpe.h): the byte table, the pre-tokenising regular expression
// through PCRE2, the merges by rank, and the two files' readers.
#include "muse/data/bpe.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>

#include "muse/data/tokenizer.h"
#include "muse/error.h"
#include "muse/io/file.h"
#include "tokens_json.h"

namespace muse::data {

struct BpeTokenizer::Cache {
  std::mutex mutex;
  std::unordered_map<std::string, std::vector<int64_t>> ids;  // word -> ids
};

namespace {

constexpr size_t kMaxCachedWords = size_t{1} << 16;  // the cache starts over when it holds this many
constexpr std::string_view kEndOfText = "<|endoftext|>";  // GPT-2's one special token
constexpr int64_t kMaxId = int64_t{1} << 24;         // ids above this are a malformed vocab.json

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the other 68 take U+0100.. in order.
struct ByteTable {
  std::array<std::string, 256> to_unicode;
  std::unordered_map<char32_t, uint8_t> to_byte;
};

const ByteTable& byte_table() {
  static const ByteTable table = [] {
    ByteTable t;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
      char32_t cp = printable ? static_cast<char32_t>(b) : next++;
      append_utf8(cp, t.to_unicode[b]);
      t.to_byte[cp] = static_cast<uint8_t>(b);
    }
    return t;
  }();
  return table;
}

// GPT-2's pattern. With PCRE2_UCP, \s, \p{L} and \p{N} follow Unicode properties like Python's regex
// module (one difference: Python's \s also takes the separators U+001C..U+001F).
constexpr const char* kPattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// The compiled pattern, shared by every thread (pcre2_match only reads it), JIT-compiled when PCRE2 can.
const pcre2_code* gpt2_pattern() {
  static const pcre2_code* code = [] {
    int error = 0;
    PCRE2_SIZE at = 0;
    pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern), PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_UCP, &error, &at, nullptr);
    check(c != nullptr, "BpeTokenizer: PCRE2 could not compile GPT-2's pattern (error ", error, " at ", at, ")");
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);  // without JIT support pcre2_match interprets: same results
    return c;
  }();
  return code;
}

// The 1-based line of byte offset `at` of text.
size_t line_of(std::string_view text, size_t at) {
  at = std::min(at, text.size());
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

// vocab.json: an object of token -> id, ids non-negative and distinct.
void read_vocab(std::string_view json, const std::string& file, std::unordered_map<std::string, int64_t>& ids,
                std::vector<std::string>& tokens, std::vector<bool>& has_token) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(str(file, " line ", line_of(json, e.byte == 0 ? 0 : e.byte - 1), ": invalid JSON (", e.what(), ")"));
  }
  check(j.is_object(), file, ": expected a JSON object of token: id pairs, got JSON of type ", j.type_name());
  for (const auto& [token, value] : j.items()) {
    check(value.is_number_integer(), file, ": the id of token \"", token, "\" is not an integer: ", value.dump());
    int64_t id = value.get<int64_t>();
    check(id >= 0 && id < kMaxId, file, ": the id of token \"", token, "\" is ", id, ", outside [0, ", kMaxId, ")");
    if (id >= static_cast<int64_t>(tokens.size())) tokens.resize(id + 1), has_token.resize(id + 1, false);
    check(!has_token[id], file, ": tokens \"", tokens[id], "\" and \"", token, "\" have the same id ", id);
    tokens[id] = token;
    has_token[id] = true;
    ids[token] = id;
  }
}

// merges.txt: an optional "#version" first line, then one merge "left right" per line, highest priority
// first. A repeated merge takes its later rank, as GPT-2's dict() does.
void read_merges(std::string_view text, const std::string& file, std::unordered_map<std::string, int64_t>& ranks) {
  int64_t rank = 0;
  size_t line_no = 0;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = std::min(text.find('\n', begin), text.size());
    std::string_view line = text.substr(begin, end - begin);
    begin = end + 1;
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty() || (line_no == 1 && line.starts_with("#version"))) continue;
    size_t space = line.find(' ');
    check(space != std::string_view::npos && space > 0 && space + 1 < line.size() &&
              line.find(' ', space + 1) == std::string_view::npos,
          file, " line ", line_no, ": expected two symbols separated by one space, got \"", line, "\"");
    ranks[std::string(line)] = rank++;
  }
}

// Joins every adjacent (left, right) of word into one symbol, left to right.
void merge_pair(std::vector<std::string>& word, const std::string& left, const std::string& right) {
  std::vector<std::string> out;
  out.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    if (i + 1 < word.size() && word[i] == left && word[i + 1] == right) {
      out.push_back(left + right);
      ++i;
    } else {
      out.push_back(std::move(word[i]));
    }
  }
  word = std::move(out);
}

}  // namespace

BpeTokenizer BpeTokenizer::load(const std::string& vocab_json_path, const std::string& merges_txt_path) {
  BpeTokenizer t;
  read_vocab(io::read_file(vocab_json_path), vocab_json_path, t.ids_, t.tokens_, t.has_token_);
  read_merges(io::read_file(merges_txt_path), merges_txt_path, t.ranks_);
  t.cache_ = std::make_shared<Cache>();
  if (t.token_to_id(kEndOfText)) t.add_special_token(kEndOfText);
  return t;
}

BpeTokenizer BpeTokenizer::from_strings(std::string_view vocab_json, std::string_view merges_txt) {
  BpeTokenizer t;
  read_vocab(vocab_json, "vocab.json", t.ids_, t.tokens_, t.has_token_);
  read_merges(merges_txt, "merges.txt", t.ranks_);
  t.cache_ = std::make_shared<Cache>();
  if (t.token_to_id(kEndOfText)) t.add_special_token(kEndOfText);
  return t;
}

std::string BpeTokenizer::byte_to_unicode(uint8_t b) { return byte_table().to_unicode[b]; }

std::vector<std::string> BpeTokenizer::pre_tokenize(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) next_code_point(text, pos, "BpeTokenizer::encode");
  const pcre2_code* code = gpt2_pattern();
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> match(
      pcre2_match_data_create_from_pattern(code, nullptr), pcre2_match_data_free);
  check(match != nullptr, "BpeTokenizer::encode: out of memory for PCRE2's match data");
  std::vector<std::string> words;
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  for (size_t at = 0; at < text.size();) {
    // The text is valid UTF-8 (checked above), so PCRE2 need not check it again on every call.
    int rc = pcre2_match(code, subject, text.size(), at, PCRE2_NO_UTF_CHECK, match.get(), nullptr);
    const PCRE2_SIZE* span = pcre2_get_ovector_pointer(match.get());
    // Every character matches some alternative, so each match starts where the last one ended.
    check(rc > 0 && span[0] == at && span[1] > at, "BpeTokenizer::encode: no word at byte ", at, " (PCRE2 ", rc, ")");
    words.emplace_back(text.substr(at, span[1] - at));
    at = span[1];
  }
  return words;
}

std::vector<int64_t> BpeTokenizer::encode_word(const std::string& word) const {
  {
    std::lock_guard<std::mutex> lock(cache_->mutex);
    auto hit = cache_->ids.find(word);
    if (hit != cache_->ids.end()) return hit->second;
  }
  std::vector<std::string> symbols;
  for (char c : word) symbols.push_back(byte_table().to_unicode[static_cast<uint8_t>(c)]);
  while (symbols.size() > 1) {
    int64_t best = std::numeric_limits<int64_t>::max();
    size_t best_at = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto r = ranks_.find(symbols[i] + " " + symbols[i + 1]);
      if (r != ranks_.end() && r->second < best) best = r->second, best_at = i;
    }
    if (best == std::numeric_limits<int64_t>::max()) break;  // no adjacent pair has a merge
    std::string left = symbols[best_at], right = symbols[best_at + 1];
    merge_pair(symbols, left, right);
  }
  std::vector<int64_t> ids;
  for (const std::string& s : symbols) {
    auto id = ids_.find(s);
    check(id != ids_.end(), "BpeTokenizer::encode: the symbol \"", s, "\" (of the word \"", word,
          "\") is not in vocab.json");
    ids.push_back(id->second);
  }
  std::lock_guard<std::mutex> lock(cache_->mutex);
  if (cache_->ids.size() >= kMaxCachedWords) cache_->ids.clear();
  cache_->ids.emplace(word, ids);
  return ids;
}

void BpeTokenizer::add_special_token(std::string_view token) {
  std::optional<int64_t> id = token_to_id(token);
  check(id.has_value(), "BpeTokenizer::add_special_token: \"", token, "\" is not in vocab.json");
  if (std::find(special_.begin(), special_.end(), token) == special_.end()) special_.emplace_back(token);
}

std::vector<int64_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  auto encode_plain = [&](std::string_view piece) {
    for (const std::string& word : pre_tokenize(piece)) {
      std::vector<int64_t> w = encode_word(word);
      ids.insert(ids.end(), w.begin(), w.end());
    }
  };
  size_t begin = 0;
  while (begin < text.size()) {
    // The special token that starts first (the longest, of those starting at the same byte).
    size_t at = std::string_view::npos;
    const std::string* found = nullptr;
    for (const std::string& s : special_) {
      size_t p = text.find(s, begin);
      if (p != std::string_view::npos && (p < at || (p == at && s.size() > found->size()))) at = p, found = &s;
    }
    if (!found) break;
    encode_plain(text.substr(begin, at - begin));
    ids.push_back(ids_.at(*found));
    begin = at + found->size();
  }
  encode_plain(text.substr(std::min(begin, text.size())));
  return ids;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids) const {
  const ByteTable& table = byte_table();
  std::string bytes;
  for (int64_t id : ids) {
    check(id >= 0 && id < vocab_size() && has_token_[id], "BpeTokenizer::decode: id ", id,
          " has no token (vocab_size ", vocab_size(), ")");
    const std::string& token = tokens_[id];
    for (size_t pos = 0; pos < token.size();) {
      char32_t cp = next_code_point(token, pos, "BpeTokenizer::decode");
      auto b = table.to_byte.find(cp);
      check(b != table.to_byte.end(), "BpeTokenizer::decode: token \"", token, "\" (id ", id, ") has U+",
            std::hex, std::uppercase, static_cast<uint32_t>(cp), ", which stands for no byte");
      bytes.push_back(static_cast<char>(b->second));
    }
  }
  return bytes;
}

std::optional<int64_t> BpeTokenizer::token_to_id(std::string_view token) const {
  auto it = ids_.find(std::string(token));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace muse::data
