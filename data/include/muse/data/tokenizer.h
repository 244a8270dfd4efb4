// Tokenizers for the sequence models: characters (the Tang-poem and KJV language models) and words
// (the English -> Spanish translation model). Both reserve ids 0..3 for "<pad>" "<bos>" "<eos>" "<unk>",
// and both save themselves as JSON for a checkpoint's metadata.
// UTF-8 (RFC 3629): a code point is 1 to 4 bytes; the decoder rejects overlong forms, surrogates
// (U+D800..U+DFFF), values above U+10FFFF, and truncated or stray continuation bytes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace muse::data {

inline constexpr int64_t kPad = 0, kBos = 1, kEos = 2, kUnk = 3;
inline constexpr std::array<std::string_view, 4> kSpecialTokens = {"<pad>", "<bos>", "<eos>", "<unk>"};

// The code point starting at text[pos]; pos moves past it. Invalid UTF-8 is a muse::Error that starts with
// `op` and names the byte offset: "utf8_chars: invalid UTF-8 at byte 3: truncated sequence".
char32_t next_code_point(std::string_view text, size_t& pos, std::string_view op);

// The code points of text, each as its UTF-8 string: "a𠀋" -> {"a", "𠀋"}.
std::vector<std::string> utf8_chars(std::string_view text);

class CharTokenizer {
 public:
  // The 4 specials, then the (max_size - 4) most frequent characters of corpus (ties: by code point).
  static CharTokenizer build(std::string_view corpus, int64_t max_size = 4000);
  std::vector<int64_t> encode(std::string_view text) const;   // one id per character, unknown -> kUnk
  std::string decode(const std::vector<int64_t>& ids) const;  // specials skipped; an id out of range -> muse::Error
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }  // id -> token
  // {"type": "char", "tokens": [...]}, for checkpoint metadata.
  std::string to_json() const;
  // Validated: malformed JSON, wrong types, missing or misplaced specials, a token that is not exactly one
  // character, or a duplicate token is a muse::Error.
  static CharTokenizer from_json(const std::string& json);

 private:
  explicit CharTokenizer(std::vector<std::string> tokens);
  std::vector<std::string> tokens_;
  std::unordered_map<char32_t, int64_t> ids_;  // code point -> id (specials excluded)
};

class WordTokenizer {  // for translation
 public:
  // Lower-cases ASCII and Latin-1 letters ("É" -> "é"; U+00C0..U+00DE except U+00D7), then splits at
  // white space and around punctuation marks, each mark its own token:
  // split("¿Quién es, Señor?") == {"¿", "quién", "es", ",", "señor", "?"}.
  // Punctuation: ASCII punctuation, U+00A1..U+00BF (¡ ¿ « » ...), U+00D7, U+00F7 and the General
  // Punctuation block U+2010..U+205E (dashes, curly quotes, ...). One exception: an apostrophe with a
  // letter or digit on both sides stays inside its word ("king's"); others are marks ("sons'" -> "sons", "'").
  static std::vector<std::string> split(std::string_view sentence);
  // True when a split() token is a punctuation mark rather than a word.
  static bool is_punctuation(std::string_view token);
  // Words seen at least min_freq times, most frequent first (ties alphabetical), at most max_size in all
  // with the specials (0 = no limit).
  static WordTokenizer build(const std::vector<std::string>& sentences, int64_t min_freq = 2,
                             int64_t max_size = 0);
  std::vector<int64_t> encode(std::string_view sentence) const;  // split, then ids; no bos/eos added
  std::string decode(const std::vector<int64_t>& ids) const;     // tokens joined by single spaces, specials skipped
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }
  std::string to_json() const;  // {"type": "word", "tokens": [...]}
  // Validated like CharTokenizer::from_json; a token must be one split() token of itself.
  static WordTokenizer from_json(const std::string& json);

 private:
  explicit WordTokenizer(std::vector<std::string> tokens);
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace muse::data
