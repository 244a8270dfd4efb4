// GPT-2's byte-level BPE on a vocabulary built here: the 256 byte tokens (id = the byte's value) and ten
// merged tokens. Expected ids are derived by hand in the comments; GPT-2's pre-tokenisation on its
// quirks (contractions, the last space of a run, case-sensitive "'s"), its byte table's known entries,
// round trips over 1- to 4-byte UTF-8, merges missing or ranked, load() from files, and every error.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "muse/data/bpe.h"
#include "muse/error.h"

using namespace muse;
using namespace muse::data;
using doctest::Contains;

namespace {

// The byte table written out independently of bpe.cpp: bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF are their
// own code points; the other 68 bytes take U+0100, U+0101, ... in byte order.
std::string byte_char(int b) {
  static const std::vector<char32_t> table = [] {
    std::vector<char32_t> t;
    char32_t next = 0x100;
    for (int c = 0; c < 256; ++c)
      t.push_back((c >= 33 && c <= 126) || (c >= 0xa1 && c <= 0xac) || (c >= 0xae) ? char32_t(c) : next++);
    return t;
  }();
  char32_t cp = table[b];
  std::string s;  // UTF-8 of a code point below U+0800
  if (cp < 0x80) s += static_cast<char>(cp);
  else s += static_cast<char>(0xc0 | (cp >> 6)), s += static_cast<char>(0x80 | (cp & 0x3f));
  return s;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// ids 0..255: the byte tokens; then the merged tokens in the order of the merges that make them.
const std::vector<std::string> kMerged = {"he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "ld", "Ġworld", "ĠĠ"};
const char* kMerges = "#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ w\no r\nĠw or\nl d\nĠwor ld\nĠ Ġ\n";

std::string vocab_json() {
  std::string json = "{";
  for (int b = 0; b < 256; ++b) json += json_string(byte_char(b)) + ": " + std::to_string(b) + ",\n";
  for (size_t i = 0; i < kMerged.size(); ++i)
    json += json_string(kMerged[i]) + ": " + std::to_string(256 + i) + (i + 1 < kMerged.size() ? ",\n" : "}\n");
  return json;
}

BpeTokenizer tokenizer() { return BpeTokenizer::from_strings(vocab_json(), kMerges); }

using Ids = std::vector<int64_t>;
using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("BpeTokenizer: GPT-2's byte table") {
  CHECK(BpeTokenizer::byte_to_unicode('a') == "a");
  CHECK(BpeTokenizer::byte_to_unicode('!') == "!");
  CHECK(BpeTokenizer::byte_to_unicode(0) == "Ā");      // U+0100, the first unprintable byte
  CHECK(BpeTokenizer::byte_to_unicode('\n') == "Ċ");   // U+010A
  CHECK(BpeTokenizer::byte_to_unicode(' ') == "Ġ");    // U+0120: bytes 0..32 take U+0100..U+0120
  CHECK(BpeTokenizer::byte_to_unicode(0x7f) == "ġ");   // U+0121, next after them
  CHECK(BpeTokenizer::byte_to_unicode(0xad) == "Ń");   // U+0143: 0x7F..0xA0 took U+0121..U+0142
  CHECK(BpeTokenizer::byte_to_unicode(0xe9) == "é");
  for (int b = 0; b < 256; ++b) CHECK(BpeTokenizer::byte_to_unicode(static_cast<uint8_t>(b)) == byte_char(b));
}

TEST_CASE("BpeTokenizer: GPT-2's pre-tokenisation") {
  // Punctuation alone; a space starts the next word; "'s" is a contraction; a run of white space gives
  // its last space to the following word ("\n\n  ok" -> "\n\n ", " ok").
  CHECK(BpeTokenizer::pre_tokenize("Hello, world! It's 2024.\n\n  ok") ==
        Words{"Hello", ",", " world", "!", " It", "'s", " 2024", ".", "\n\n ", " ok"});
  // Contractions are lower case only: "'M" is the mark "'" then the word "M".
  CHECK(BpeTokenizer::pre_tokenize("I'M we'll") == Words{"I", "'", "M", " we", "'ll"});
  CHECK(BpeTokenizer::pre_tokenize("ab  ") == Words{"ab", "  "});  // trailing white space: one run
  CHECK(BpeTokenizer::pre_tokenize(" héllo 中文 42x") == Words{" héllo", " 中文", " 42", "x"});  // Unicode letters
  CHECK(BpeTokenizer::pre_tokenize("").empty());
}

TEST_CASE("BpeTokenizer: merges by rank, ids derived by hand") {
  BpeTokenizer t = tokenizer();
  CHECK(t.vocab_size() == 266);
  // "hello": h e l l o -> (h e) rank 0 -> he l l o -> (l l) 1 -> he ll o -> (he ll) 2 -> hell o -> (hell o) 3
  // -> hello = 259. " world": Ġ w o r l d -> (Ġ w) 4 -> Ġw o r l d -> (o r) 5 -> Ġw or l d -> (Ġw or) 6
  // -> Ġwor l d -> (l d) 7 -> Ġwor ld -> (Ġwor ld) 8 -> Ġworld = 264.
  CHECK(t.encode("hello world") == Ids{259, 264});
  // "lld": the pairs (l l) rank 1 and (l d) rank 7; the lower rank wins -> ll d, and (ll d) has no merge
  // -> 257, 'd' = 100. "dll": (d l) has no merge, (l l) does -> d ll.
  CHECK(t.encode("lld") == Ids{257, 100});
  CHECK(t.encode("dll") == Ids{100, 257});
  // A pair without a merge stays split: "hex" -> he x -> 256, 'x' = 120.
  CHECK(t.encode("hex") == Ids{256, 120});
  // "it's" -> "it" "'s", no merges: 'i' 't' '\'' 's'.
  CHECK(t.encode("it's") == Ids{105, 116, 39, 115});
  // "a    b" -> "a" "   " " b": the three spaces merge (Ġ Ġ) once -> ĠĠ Ġ = 265, 32; " b" = 32, 98.
  CHECK(t.encode("a    b") == Ids{97, 265, 32, 32, 98});
  // Every occurrence of the best pair merges in one step: "llll" -> ll ll = 257, 257.
  CHECK(t.encode("llll") == Ids{257, 257});
  CHECK(t.encode("").empty());
  CHECK(t.token_to_id("Ġworld") == 264);
  CHECK(t.token_to_id("!") == 33);
  CHECK_FALSE(t.token_to_id("world").has_value());
}

TEST_CASE("BpeTokenizer: round trips over 1- to 4-byte UTF-8") {
  BpeTokenizer t = tokenizer();
  // "😀" is F0 9F 98 80, four byte tokens (no merges), after the space of " ?[^\s\p{L}\p{N}]+".
  CHECK(t.encode(" 😀") == Ids{32, 0xf0, 0x9f, 0x98, 0x80});
  for (const std::string s : {"hello world", "héllo wörld — 𝄞 😀 中文\n\ttab  ", "a\r\nb", "   ", "I'M we'll 42"}) {
    CAPTURE(s);
    CHECK(t.decode(t.encode(s)) == s);
    CHECK(t.decode(t.encode(s)) == t.decode(t.encode(s)));  // the second encode comes from the cache
  }
  std::string nul("a\0b", 3);
  CHECK(t.decode(t.encode(nul)) == nul);
  // A slice of the ids may end inside a character: its bytes come back as they are.
  CHECK(t.decode({0xf0, 0x9f}) == "\xf0\x9f");
}

TEST_CASE("BpeTokenizer::load reads the files, with CRLF line ends") {
  auto dir = std::filesystem::temp_directory_path() / "muse_test_bpe";
  std::filesystem::create_directories(dir);
  std::string merges = kMerges;
  std::string crlf;
  for (char c : merges) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  std::ofstream(dir / "vocab.json") << vocab_json();
  std::ofstream(dir / "merges.txt", std::ios::binary) << crlf;
  BpeTokenizer t = BpeTokenizer::load((dir / "vocab.json").string(), (dir / "merges.txt").string());
  CHECK(t.encode("hello world") == Ids{259, 264});
  CHECK_THROWS_WITH_AS(BpeTokenizer::load((dir / "none.json").string(), (dir / "merges.txt").string()),
                       Contains("none.json"), Error);
  std::ofstream(dir / "bad.txt") << "h e\nl l\nhe ll o\n";
  CHECK_THROWS_WITH_AS(BpeTokenizer::load((dir / "vocab.json").string(), (dir / "bad.txt").string()),
                       Contains("bad.txt line 3: expected two symbols separated by one space, got \"he ll o\""), Error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("BpeTokenizer: errors name the file and line, or the token") {
  CHECK_THROWS_WITH_AS(BpeTokenizer::from_strings("{\"a\": 0,\n\"b\": }", ""),
                       Contains("vocab.json line 2: invalid JSON"),
                       Error);
  CHECK_THROWS_WITH_AS(BpeTokenizer::from_strings("[1, 2]", ""),
                       Contains("vocab.json: expected a JSON object of token: id pairs, got JSON of type array"),
                       Error);
  CHECK_THROWS_WITH_AS(BpeTokenizer::from_strings("{\"a\": \"0\"}", ""),
                       Contains("vocab.json: the id of token \"a\" is not an integer: \"0\""), Error);
  CHECK_THROWS_WITH_AS(BpeTokenizer::from_strings("{\"a\": -1}", ""),
                       Contains("vocab.json: the id of token \"a\" is -1, outside [0, 16777216)"), Error);
  CHECK_THROWS_WITH_AS(BpeTokenizer::from_strings("{\"a\": 0, \"b\": 0}", ""),
                       Contains("vocab.json: tokens \"a\" and \"b\" have the same id 0"), Error);
  CHECK_THROWS_WITH_AS(BpeTokenizer::from_strings("{}", "#version: 0.2\na b\nab\n"),
                       Contains("merges.txt line 3: expected two symbols separated by one space, got \"ab\""), Error);
  CHECK_THROWS_WITH_AS(BpeTokenizer::from_strings("{}", "a  b"), Contains("merges.txt line 1"), Error);

  BpeTokenizer t = tokenizer();
  CHECK_THROWS_WITH_AS(t.encode("ok \xff"), Contains("BpeTokenizer::encode: invalid UTF-8 at byte 3"), Error);
  CHECK_THROWS_WITH_AS(t.decode({266}), Contains("BpeTokenizer::decode: id 266 has no token (vocab_size 266)"), Error);
  CHECK_THROWS_WITH_AS(t.decode({-1}), Contains("BpeTokenizer::decode: id -1 has no token"), Error);
  // A vocabulary without 'x' (and with a gap at id 1): "x" has no token, "ab" merges into one that is missing.
  BpeTokenizer small = BpeTokenizer::from_strings("{\"a\": 0, \"b\": 2, \"€\": 3}", "a b\n");
  CHECK(small.encode("a") == Ids{0});
  CHECK_THROWS_WITH_AS(small.encode("x"),
                       Contains("BpeTokenizer::encode: the symbol \"x\" (of the word \"x\") is not in vocab.json"),
                       Error);
  CHECK_THROWS_WITH_AS(small.encode("ab"), Contains("the symbol \"ab\""), Error);
  CHECK_THROWS_WITH_AS(small.decode({1}), Contains("BpeTokenizer::decode: id 1 has no token (vocab_size 4)"), Error);
  CHECK_THROWS_WITH_AS(small.decode({3}), Contains("token \"€\" (id 3) has U+20AC, which stands for no byte"), Error);
}

TEST_CASE("BpeTokenizer: special tokens are matched whole, before pre-tokenisation") {
  BpeTokenizer plain = tokenizer();
  CHECK(plain.special_tokens().empty());  // this vocab.json has no "<|endoftext|>"
  // The same vocabulary plus GPT-2's special token as id 266 (vocab_json() ends with "}\n").
  std::string json = vocab_json();
  json.replace(json.size() - 2, 2, ",\n\"<|endoftext|>\": 266}\n");
  BpeTokenizer t = BpeTokenizer::from_strings(json, kMerges);
  CHECK(t.special_tokens() == Words{"<|endoftext|>"});
  // "hello" = 259 and " world" = 264 (derived above); the special token between them is one id.
  CHECK(t.encode("hello<|endoftext|> world") == Ids{259, 266, 264});
  CHECK(t.encode("<|endoftext|><|endoftext|>") == Ids{266, 266});
  CHECK(t.decode(t.encode("a<|endoftext|>b")) == "a<|endoftext|>b");
  // Not the whole token: pre-tokenised as "<|", "endoftext", "|", each byte its own id (no merge applies).
  CHECK(t.encode("<|endoftext|") == Ids{60, 124, 101, 110, 100, 111, 102, 116, 101, 120, 116, 124});
  // Without the special token, "<|endoftext|>" goes through the merges like any text: "<|" "endoftext" "|>".
  CHECK(plain.encode("<|endoftext|>").size() == 13);
  // A special token must be in vocab.json; where two start at the same byte the longer wins.
  CHECK_THROWS_WITH_AS(t.add_special_token("<|pad|>"), Contains("\"<|pad|>\" is not in vocab.json"), Error);
  t.add_special_token("hello");  // id 259, a prefix of nothing special but longer than "he"
  t.add_special_token("he");     // id 256
  CHECK(t.encode("hello he") == Ids{259, 32, 256});
  CHECK(t.special_tokens() == Words{"<|endoftext|>", "hello", "he"});
}
