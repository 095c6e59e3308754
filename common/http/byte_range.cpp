#include "http/byte_range.hpp"

#include <charconv>
#include <string>

#include "http/http_message.hpp"

namespace hfcache::http {
namespace {

using http::trim_ows;

std::optional<std::uint64_t> number(std::string_view s) {
  s = trim_ows(s);
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ByteRange> parse_range_header(std::string_view value) {
  value = trim_ows(value);
  constexpr std::string_view unit = "bytes=";
  if (value.size() < unit.size()) return std::nullopt;
  for (std::size_t i = 0; i < unit.size(); ++i) {
    char c = value[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != unit[i]) return std::nullopt;
  }
  auto spec = trim_ows(value.substr(unit.size()));
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto left = trim_ows(spec.substr(0, dash));
  auto right = trim_ows(spec.substr(dash + 1));
  ByteRange range;
  if (left.empty()) {
    auto n = number(right);
    if (!n) return std::nullopt;
    range.kind = ByteRange::Kind::suffix;
    range.first = *n;
    return range;
  }
  auto first = number(left);
  if (!first) return std::nullopt;
  range.first = *first;
  if (right.empty()) {
    range.kind = ByteRange::Kind::from;
    return range;
  }
  auto last = number(right);
  if (!last || *last < *first) return std::nullopt;  // invalid syntax: ignored
  range.kind = ByteRange::Kind::from_to;
  range.last = *last;
  return range;
}

std::optional<ResolvedRange> resolve_range(const ByteRange& range, std::uint64_t size) {
  switch (range.kind) {
    case ByteRange::Kind::suffix:
      if (range.first == 0 || size == 0) return std::nullopt;
      if (range.first >= size) return ResolvedRange{0, size};
      return ResolvedRange{size - range.first, range.first};
    case ByteRange::Kind::from:
      if (range.first >= size) return std::nullopt;
      return ResolvedRange{range.first, size - range.first};
    case ByteRange::Kind::from_to: {
      if (range.first >= size) return std::nullopt;
      auto last = range.last < size ? range.last : size - 1;
      return ResolvedRange{range.first, last - range.first + 1};
    }
  }
  return std::nullopt;
}

std::string content_range(const ResolvedRange& range, std::uint64_t size) {
  return "bytes " + std::to_string(range.start) + "-" + std::to_string(range.start + range.length - 1) + "/" +
         std::to_string(size);
}

}  // namespace hfcache::http
