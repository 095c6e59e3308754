#pragma once
// UTF-8 decoding and encoding, shared by everything that handles names from outside: hub paths
// (UTF-8 by the hub's rules), glob matching (Python matches code points), .lnk strings (UTF-16 and
// code pages turned into UTF-8) and JSON rendering. Strict where validity is decided (no overlong
// forms, no surrogates, nothing above U+10FFFF, as nlohmann_json and Python's decoder require).
#include <cstddef>
#include <string>
#include <string_view>

namespace hfcache::util {

struct CodePoint {
  char32_t value = 0;   // the code point, or the byte itself when !valid
  std::size_t length = 1;  // bytes consumed (1 for an invalid byte)
  bool valid = true;
};

// The code point starting at byte `at` of `text` (at < text.size()). An invalid or truncated
// sequence yields its first byte alone, marked invalid, so callers can step over it.
CodePoint next_code_point(std::string_view text, std::size_t at);
// Well-formed UTF-8 (RFC 3629).
bool is_valid_utf8(std::string_view text);
// The code points of `text`; an invalid byte stands for itself (as Latin-1 would read it).
std::u32string decode_utf8_lenient(std::string_view text);
void append_utf8(std::string& out, char32_t code_point);

}  // namespace hfcache::util
