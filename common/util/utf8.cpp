#include "util/utf8.hpp"

namespace hfcache::util {

CodePoint next_code_point(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  auto lead = byte(at);
  CodePoint invalid{lead, 1, false};
  if (lead < 0x80) return {lead, 1, true};
  std::size_t length = (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
  if (length == 0 || at + length > text.size()) return invalid;
  char32_t value = lead & (0x7f >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(at + k) & 0xc0) != 0x80) return invalid;
    value = (value << 6) | (byte(at + k) & 0x3f);
  }
  // The shortest form only, no UTF-16 surrogates, nothing past Unicode's last code point.
  static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < smallest[length] || (value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return invalid;
  return {value, length, true};
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto cp = next_code_point(text, i);
    if (!cp.valid) return false;
    i += cp.length;
  }
  return true;
}

std::u32string decode_utf8_lenient(std::string_view text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    auto cp = next_code_point(text, i);
    out += cp.value;
    i += cp.length;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | c >> 18);
    out += static_cast<char>(0x80 | (c >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace hfcache::util
