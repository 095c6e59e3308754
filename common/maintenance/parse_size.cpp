// parse_size: K, M, G, T and KiB..TiB are binary (powers of 1024, what du -h and `hf cache` users
// read); KB, MB, GB, TB are decimal (powers of 1000, what disk vendors print). B or nothing = bytes.
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "maintenance/gc.hpp"
#include "util/strings.hpp"

namespace hfcache::maintenance {

namespace {

std::optional<double> unit_factor(std::string_view unit_text) {
  auto unit = util::ascii_lower(unit_text);
  if (unit.empty() || unit == "b") return 1.0;
  static constexpr std::string_view kLetters = "kmgt";
  auto pos = kLetters.find(unit[0]);
  if (pos == std::string_view::npos) return std::nullopt;
  auto suffix = unit.substr(1);
  double base = (suffix.empty() || suffix == "ib") ? 1024.0 : suffix == "b" ? 1000.0 : 0.0;
  if (base == 0.0) return std::nullopt;
  return std::pow(base, static_cast<double>(pos + 1));
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  auto bad = [&] {
    return UsageError("invalid size `" + std::string(text) + "`",
                      "use bytes or a number with a unit: 500M, 10G, 1.5T (binary), 10GB (decimal), 10GiB");
  };
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  std::size_t start = i;
  bool dot = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !dot))) {
    dot |= text[i] == '.';
    ++i;
  }
  auto number = text.substr(start, i - start);
  if (number.empty() || number == ".") throw bad();
  while (i < text.size() && text[i] == ' ') ++i;
  auto unit_end = text.find_last_not_of(' ');
  auto unit = unit_end == std::string_view::npos || unit_end < i ? std::string_view{} : text.substr(i, unit_end + 1 - i);
  auto factor = unit_factor(unit);
  if (!factor) throw bad();
  if (!dot && *factor == 1.0) {  // exact for large plain byte counts
    try {
      return std::stoull(std::string(number));
    } catch (const std::out_of_range&) {
      throw bad();
    }
  }
  double value = std::stod(std::string(number)) * *factor;
  if (!std::isfinite(value) || value >= 18446744073709551615.0) throw bad();
  return static_cast<std::uint64_t>(std::llround(value));
}

}  // namespace hfcache::maintenance
