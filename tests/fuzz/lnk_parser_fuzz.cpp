// libFuzzer target for the .lnk parser. Every input must return (no crash, no read outside the buffer, no
// undefined behaviour: ASan and UBSan watch), and every answer must be sound: a target is non-empty,
// well-formed UTF-8, and a refusal gives a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <variant>

#include "core/lnk_parser.hpp"

namespace {

// Shortest forms only, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || n > s.size() - i) return false;
    char32_t c = n == 1 ? b : b & (0x7Fu >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      c = c << 6 | (cont & 0x3Fu);
    }
    constexpr char32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < shortest[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hfcache::core;
  const LnkResult result = parse_lnk(std::span<const std::uint8_t>(data, size));
  if (const auto* target = std::get_if<LnkTarget>(&result)) {
    if (target->path.empty() || !valid_utf8(target->path)) std::abort();
  } else if (std::get<std::string>(result).empty()) {
    std::abort();
  }
  return 0;
}
