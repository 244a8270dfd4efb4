// Helpers the two tokenizers share (data/tokenizer.cpp, data/word_tokenizer.cpp); not a public header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace muse::data {

// Appends the UTF-8 encoding of code point cp (at most U+10FFFF, not a surrogate).
void append_utf8(char32_t cp, std::string& out);

// {"type": type, "tokens": [...]}.
std::string tokens_to_json(std::string_view type, const std::vector<std::string>& tokens);

// The "tokens" of such a JSON text, checked: valid JSON, an object of the right "type", tokens all strings,
// no duplicates, the 4 specials first. Errors are muse::Error starting with op.
std::vector<std::string> tokens_from_json(const std::string& json, std::string_view type, std::string_view op);

}  // namespace muse::data
