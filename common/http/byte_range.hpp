#pragma once
// The Range header of a file request: parsed first, resolved against the file's real size later
// (as libkiwix's byte_range does). Only one range is honoured; a header we do not understand or a
// multi-range request is ignored and the whole file is sent with 200, which RFC 9110 allows.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hfcache::http {

struct ByteRange {
  enum class Kind { from_to, from, suffix };  // bytes=A-B, bytes=A-, bytes=-N
  Kind kind = Kind::from;
  std::uint64_t first = 0;  // A, or N for a suffix
  std::uint64_t last = 0;   // B (inclusive), from_to only
};

// nullopt when there is no usable single range (absent, malformed, several ranges).
std::optional<ByteRange> parse_range_header(std::string_view value);

struct ResolvedRange {
  std::uint64_t start = 0;   // first byte sent
  std::uint64_t length = 0;  // bytes sent
};

// The bytes to send from a file of `size` bytes; nullopt when the range is not satisfiable
// (answer 416 with Content-Range: bytes */size).
std::optional<ResolvedRange> resolve_range(const ByteRange& range, std::uint64_t size);

// "bytes START-END/SIZE" for a 206 answer.
std::string content_range(const ResolvedRange& range, std::uint64_t size);

}  // namespace hfcache::http
