// GPT-2's byte-level BPE tokenizer (Radford et al. 2019; Sennrich et al. 2016 for byte-pair encoding),
// reading the vocab.json + merges.txt pair that GPT-2 checkpoints ship with.
//   1. Pre-tokenisation: the text is cut into words by GPT-2's regular expression (PCRE2, Unicode
//      properties): contractions, an optional space + letters, an optional space + digits, an optional
//      space + other symbols, and runs of white space (the last space of a run goes with the next word).
//   2. Every byte of a word becomes one printable character: GPT-2's bytes_to_unicode table keeps the
//      188 printable bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) as themselves and maps the other 68
//      in order to U+0100.. (so ' ' -> 'Ġ' U+0120, '\n' -> 'Ċ' U+010A).
//   3. Byte-pair merges: the adjacent pair whose merge comes first in merges.txt is joined, everywhere in
//      the word (left to right), until no adjacent pair has a merge. Each resulting symbol's id is looked
//      up in vocab.json. A word's ids are cached.
// Special tokens (GPT-2's "<|endoftext|>") are cut out of the text before step 1 and encode to their own
// id, as Hugging Face's GPT-2 tokenizer does; the text between them goes through steps 1-3.
// decode() joins the tokens and maps their characters back to bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace muse::data {

class BpeTokenizer {
 public:
  // From the two files. A malformed file is a muse::Error naming the file and the line (for merges.txt,
  // and for JSON syntax errors) or the offending token (vocab.json: a non-integer, negative or repeated id).
  static BpeTokenizer load(const std::string& vocab_json_path, const std::string& merges_txt_path);
  // The same from the files' contents (errors say "vocab.json" and "merges.txt").
  static BpeTokenizer from_strings(std::string_view vocab_json, std::string_view merges_txt);

  // Ids of UTF-8 text (invalid UTF-8 is a muse::Error naming the byte). A symbol left after the merges
  // that vocab.json lacks is a muse::Error naming it. Each occurrence of a special token is its id.
  std::vector<int64_t> encode(std::string_view text) const;

  // Makes token (which must be in vocab.json) special: matched whole in the text, never split. load()
  // and from_strings() register "<|endoftext|>" when vocab.json has it, as GPT-2's does (id 50256).
  // Where two special tokens start at the same byte, the longer one wins.
  void add_special_token(std::string_view token);
  const std::vector<std::string>& special_tokens() const { return special_; }
  // The bytes the tokens stand for; an id without a token is a muse::Error. Decoding a slice of ids can
  // end inside a multi-byte character: the bytes are returned as they are.
  std::string decode(const std::vector<int64_t>& ids) const;
  // One more than the largest id (the rows an embedding table needs).
  int64_t vocab_size() const { return static_cast<int64_t>(tokens_.size()); }
  std::optional<int64_t> token_to_id(std::string_view token) const;

  // Step 1 alone: the words of text, in order; they concatenate to text.
  static std::vector<std::string> pre_tokenize(std::string_view text);
  // Step 2 alone: GPT-2's printable character (as UTF-8) for byte b.
  static std::string byte_to_unicode(uint8_t b);

 private:
  BpeTokenizer() = default;
  std::vector<int64_t> encode_word(const std::string& word) const;

  std::unordered_map<std::string, int64_t> ids_;   // token -> id
  std::vector<std::string> tokens_;                // id -> token ("" for an id vocab.json skips)
  std::vector<bool> has_token_;                    // whether tokens_[id] is a vocab.json token
  std::unordered_map<std::string, int64_t> ranks_;  // "left right" (merges.txt's line) -> rank
  std::vector<std::string> special_;               // special tokens, in the order they were added
  struct Cache;
  std::shared_ptr<Cache> cache_;  // word -> ids; shared by copies, which have the same vocabulary
};

}  // namespace muse::data
