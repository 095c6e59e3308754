#pragma once
// RFC 9110's character classes, as the front's request parsers (head, chunked body) judge them.
#include <string_view>

namespace hfcache::server {

// tchar: the characters of methods, field names and chunk extension names.
bool is_tchar(unsigned char c);
// token = 1*tchar
bool is_token(std::string_view text);
// A field value once trimmed: visible characters, obs-text (bytes >= 0x80), spaces and tabs; no CR,
// LF, NUL or other control character.
bool is_field_value(std::string_view text);

}  // namespace hfcache::server
