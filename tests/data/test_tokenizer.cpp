// UTF-8 decoding and the two tokenizers, against hand-checked code points and ids.
#include <doctest/doctest.h>

#include "muse/data/tokenizer.h"
#include "muse/error.h"

using namespace muse;
using namespace muse::data;
using doctest::Contains;
using Strings = std::vector<std::string>;
using Ids = std::vector<int64_t>;

TEST_CASE("utf8_chars splits 1- to 4-byte characters") {
  // 𠀋 is U+2000B: 11110 000, 10 100000, 10 000000, 10 001011.
  CHECK(std::string("𠀋") == "\xF0\xA0\x80\x8B");
  CHECK(utf8_chars("a\xC3\xA9\xE6\x98\xA5\xF0\xA0\x80\x8B") == Strings{"a", "é", "春", "𠀋"});
  CHECK(utf8_chars("") == Strings{});
  CHECK(utf8_chars("\x7F\xC2\x80\xEF\xBF\xBF\xF4\x8F\xBF\xBF").size() == 4);  // U+7F, U+80, U+FFFF, U+10FFFF
  size_t pos = 1;
  CHECK(next_code_point("a𠀋", pos, "test") == 0x2000B);
  CHECK(pos == 5);
}

TEST_CASE("utf8_chars rejects invalid UTF-8, naming the byte offset") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\xFF", "at byte 0: invalid lead byte 0xff"},
      {"ab\x80", "at byte 2: unexpected continuation byte 0x80"},
      {"a\xC0\xAF", "at byte 1: overlong encoding of U+2F"},
      {"\xE0\x80\xAF", "at byte 0: overlong encoding of U+2F"},
      {"\xF0\x82\x82\xAC", "at byte 0: overlong encoding of U+20AC"},
      {"x\xED\xA0\x80", "at byte 1: surrogate U+D800"},
      {"\xED\xBF\xBF", "at byte 0: surrogate U+DFFF"},
      {"\xF4\x90\x80\x80", "at byte 0: code point above U+10FFFF"},
      {"xy\xE6\x98", "at byte 2: truncated sequence (3 bytes expected, text ends)"},
      {"\xE6\x98x", "at byte 0: truncated sequence (byte 2 is 0x78, not a continuation byte)"},
      {"\xF0\xA0\x80", "at byte 0: truncated sequence (4 bytes expected, text ends)"},
  };
  for (const auto& [text, message] : cases) {
    CAPTURE(message);
    CHECK_THROWS_WITH_AS(utf8_chars(text), Contains(("utf8_chars: invalid UTF-8 " + message).c_str()), Error);
  }
  CHECK_THROWS_WITH_AS(CharTokenizer::build("ok\xFF"), Contains("CharTokenizer::build: invalid UTF-8 at byte 2"),
                       Error);
  CHECK_THROWS_WITH_AS(WordTokenizer::split("s\xC3"), Contains("WordTokenizer::split: invalid UTF-8 at byte 1"),
                       Error);
}

TEST_CASE("CharTokenizer: most frequent first, ties by code point") {
  // 春 twice; then 平 U+5E73 < 水 U+6C34 < 江 U+6C5F < 海 U+6D77 < 潮 U+6F6E < 连 U+8FDE once each.
  const auto tok = CharTokenizer::build("春江潮水连海平春");
  CHECK(tok.tokens() == Strings{"<pad>", "<bos>", "<eos>", "<unk>", "春", "平", "水", "江", "海", "潮", "连"});
  CHECK(tok.size() == 11);
  CHECK(tok.encode("春江潮水连海平") == Ids{4, 7, 9, 6, 10, 8, 5});
  CHECK(tok.encode("春风") == Ids{4, kUnk});
  CHECK(tok.decode({kBos, 4, 7, kEos, kPad}) == "春江");
  CHECK(tok.decode(tok.encode("连海平")) == "连海平");

  const auto small = CharTokenizer::build("春江潮水连海平春", 6);
  CHECK(small.tokens() == Strings{"<pad>", "<bos>", "<eos>", "<unk>", "春", "平"});
  CHECK(CharTokenizer::build("", 4).size() == 4);
}

TEST_CASE("CharTokenizer handles characters outside the BMP") {
  const auto tok = CharTokenizer::build("𠀋a𠀋");
  CHECK(tok.tokens() == Strings{"<pad>", "<bos>", "<eos>", "<unk>", "𠀋", "a"});
  CHECK(tok.encode("a𠀋b") == Ids{5, 4, kUnk});
  CHECK(tok.decode({4, 5, 4}) == "𠀋a𠀋");
}

TEST_CASE("CharTokenizer errors") {
  CHECK_THROWS_WITH_AS(CharTokenizer::build("abc", 3), Contains("CharTokenizer::build: max_size must be at least 4"),
                       Error);
  const auto tok = CharTokenizer::build("ab");
  CHECK_THROWS_WITH_AS(tok.decode({4, 6}), Contains("CharTokenizer::decode: id 6 out of range [0, 6)"), Error);
  CHECK_THROWS_WITH_AS(tok.decode({-1}), Contains("CharTokenizer::decode: id -1 out of range [0, 6)"), Error);
  CHECK_THROWS_WITH_AS(tok.encode("a\xC0\x80"), Contains("CharTokenizer::encode: invalid UTF-8 at byte 1"), Error);
}

TEST_CASE("CharTokenizer JSON round trip") {
  const auto tok = CharTokenizer::build("床前明月光，疑是地上霜。𠀋\"\\\n");
  const std::string json = tok.to_json();
  const auto back = CharTokenizer::from_json(json);
  CHECK(back.tokens() == tok.tokens());
  CHECK(back.encode("明月𠀋\"x") == tok.encode("明月𠀋\"x"));
  CHECK(back.to_json() == json);
  CHECK(CharTokenizer::from_json(R"({"type": "char", "tokens": ["<pad>", "<bos>", "<eos>", "<unk>", "é"]})")
            .encode("éa") == Ids{4, kUnk});
}

TEST_CASE("from_json rejects malformed tokenizers") {
  const std::string specials = R"("<pad>", "<bos>", "<eos>", "<unk>")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not valid JSON"},
      {"[1, 2]", "expected a JSON object, got array"},
      {R"({"tokens": [)" + specials + "]}", R"("type" must be "char")"},
      {R"({"type": "word", "tokens": [)" + specials + "]}", R"("type" must be "char")"},
      {R"({"type": "char"})", R"("tokens" must be an array of strings)"},
      {R"({"type": "char", "tokens": "abc"})", R"("tokens" must be an array of strings)"},
      {R"({"type": "char", "tokens": [)" + specials + ", 7]}", "token 4 is a number, not a string"},
      {R"({"type": "char", "tokens": [)" + specials + R"(, "a", "b", "a"]})", R"(duplicate token "a" at id 6)"},
      {R"({"type": "char", "tokens": [)" + specials + R"(, "<pad>"]})", R"(duplicate token "<pad>" at id 4)"},
      {R"({"type": "char", "tokens": ["<pad>", "<bos>"]})", R"(token 2 must be the special "<eos>")"},
      {R"({"type": "char", "tokens": ["<bos>", "<pad>", "<eos>", "<unk>"]})", R"(token 0 must be the special "<pad>")"},
      {R"({"type": "char", "tokens": [)" + specials + R"(, "ab"]})", R"(token 4 "ab" is not exactly one character)"},
      {R"({"type": "char", "tokens": [)" + specials + R"(, ""]})", R"(token 4 "" is not exactly one character)"},
  };
  for (const auto& [json, message] : cases) {
    CAPTURE(json);
    CHECK_THROWS_WITH_AS(CharTokenizer::from_json(json), Contains(("CharTokenizer::from_json: " + message).c_str()),
                         Error);
  }
  CHECK_THROWS_WITH_AS(WordTokenizer::from_json(R"({"type": "char", "tokens": [)" + specials + "]}"),
                       Contains(R"(WordTokenizer::from_json: "type" must be "word")"), Error);
  CHECK_THROWS_WITH_AS(WordTokenizer::from_json(R"({"type": "word", "tokens": [)" + specials + R"(, "Hello"]})"),
                       Contains(R"(WordTokenizer::from_json: token 4 "Hello" is not one lower-case word)"), Error);
  CHECK_THROWS_WITH_AS(WordTokenizer::from_json(R"({"type": "word", "tokens": [)" + specials + R"(, "a b"]})"),
                       Contains(R"(token 4 "a b" is not one lower-case word)"), Error);
  CHECK_THROWS_WITH_AS(WordTokenizer::from_json(R"({"type": "word", "tokens": [)" + specials + R"(, "a", "a"]})"),
                       Contains(R"(WordTokenizer::from_json: duplicate token "a" at id 5)"), Error);
}

TEST_CASE("WordTokenizer::split: lower case, punctuation marks as tokens") {
  CHECK(WordTokenizer::split("¿Quién es, Señor?") == Strings{"¿", "quién", "es", ",", "señor", "?"});
  CHECK(WordTokenizer::split("¡ÁNGEL DE DIOS!") == Strings{"¡", "ángel", "de", "dios", "!"});
  CHECK(WordTokenizer::split("«Sí» dijo—ÉL.") == Strings{"«", "sí", "»", "dijo", "—", "él", "."});
  // × (U+00D7) is a mark, not a letter; ß has no upper-case form in Latin-1.
  CHECK(WordTokenizer::split("ÀÉÎÕÜÇÑÞ×ß") == Strings{"àéîõüçñþ", "×", "ß"});
  CHECK(WordTokenizer::split("  In the\tbeginning\n") == Strings{"in", "the", "beginning"});
  CHECK(WordTokenizer::split("Gen 1:1-3 (x)") == Strings{"gen", "1", ":", "1", "-", "3", "(", "x", ")"});
  CHECK(WordTokenizer::split("") == Strings{});
  // Apostrophes: inside a word they stay ("LORD's", "don’t"); elsewhere they are marks.
  CHECK(WordTokenizer::split("The LORD's house; the sons' wives") ==
        Strings{"the", "lord's", "house", ";", "the", "sons", "'", "wives"});
  CHECK(WordTokenizer::split("'Tis don’t '") == Strings{"'", "tis", "don’t", "'"});
  CHECK(WordTokenizer::is_punctuation("¿"));
  CHECK(WordTokenizer::is_punctuation("—"));
  CHECK_FALSE(WordTokenizer::is_punctuation("a"));
  CHECK_FALSE(WordTokenizer::is_punctuation("?!"));
  CHECK_FALSE(WordTokenizer::is_punctuation(""));
}

TEST_CASE("WordTokenizer::build: min_freq, size limit, ties alphabetical") {
  const Strings sentences = {"a b a c", "B a d", "c."};
  // a: 3, b: 2, c: 2, d: 1, ".": 1
  CHECK(WordTokenizer::build(sentences).tokens() == Strings{"<pad>", "<bos>", "<eos>", "<unk>", "a", "b", "c"});
  CHECK(WordTokenizer::build(sentences, 1).tokens() ==
        Strings{"<pad>", "<bos>", "<eos>", "<unk>", "a", "b", "c", ".", "d"});
  CHECK(WordTokenizer::build(sentences, 1, 6).tokens() == Strings{"<pad>", "<bos>", "<eos>", "<unk>", "a", "b"});
  CHECK(WordTokenizer::build(sentences, 1, 4).size() == 4);
  CHECK(WordTokenizer::build(sentences, 4).size() == 4);

  const auto tok = WordTokenizer::build(sentences);
  CHECK(tok.encode("A d, c") == Ids{4, kUnk, kUnk, 6});
  CHECK(tok.decode({kBos, 4, 5, kEos, kPad}) == "a b");
  CHECK(tok.decode({}) == "");
  const auto back = WordTokenizer::from_json(tok.to_json());
  CHECK(back.tokens() == tok.tokens());
  CHECK(back.encode("c b a") == Ids{6, 5, 4});

  const auto es = WordTokenizer::build({"¿Quién es, Señor?", "¿quién ES?"}, 2);
  CHECK(es.tokens() == Strings{"<pad>", "<bos>", "<eos>", "<unk>", "?", "es", "quién", "¿"});
  CHECK(WordTokenizer::from_json(es.to_json()).tokens() == es.tokens());
}

TEST_CASE("WordTokenizer errors") {
  CHECK_THROWS_WITH_AS(WordTokenizer::build({"a"}, 0), Contains("WordTokenizer::build: min_freq must be at least 1"),
                       Error);
  CHECK_THROWS_WITH_AS(WordTokenizer::build({"a"}, 1, 3),
                       Contains("WordTokenizer::build: max_size must be 0 (no limit) or at least 4"), Error);
  CHECK_THROWS_WITH_AS(WordTokenizer::build({"a"}, 1, -1), Contains("got -1"), Error);
  const auto tok = WordTokenizer::build({"a"}, 1);
  CHECK_THROWS_WITH_AS(tok.decode({5}), Contains("WordTokenizer::decode: id 5 out of range [0, 5)"), Error);
}
