#pragma once
// ASCII string helpers that the rest of the tree shares instead of keeping private copies: case
// folding for protocol tokens (header names, schemes, size units) and trimming. Locale-free on
// purpose: HTTP, URLs and hub names are ASCII-case-insensitive, never locale-case-insensitive.
#include <string>
#include <string_view>

namespace hfcache::util {

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string ascii_lower(std::string_view text);
// Equal but for ASCII letter case.
bool iequals(std::string_view a, std::string_view b);
// `text` without leading and trailing characters from `chars` (by default blanks and line breaks).
std::string_view trim(std::string_view text, std::string_view chars = " \t\r\n");

}  // namespace hfcache::util
