#pragma once
// Reads the target path out of a Windows shell shortcut (`<name>.lnk`, [MS-SHLLINK]), the form a snapshot
// entry takes when a cache was copied by a Windows tool that turns links into shortcuts.
//
// Contract: pure (bytes in, a target or the reason there is none out), no I/O, throws nothing but
// std::bad_alloc, and never reads outside `bytes` whatever they hold: every size and offset in the file is
// checked against the structure that contains it and against the buffer before use.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace hfcache::core {

// Larger inputs are refused unread. Real shortcuts are a few KiB; the cap bounds the work a hostile file
// can cause, and tells a caller how much of a file to read.
inline constexpr std::size_t max_lnk_bytes = std::size_t{1} << 20;

struct LnkTarget {
  // Where the path came from, best first: the order parse_lnk prefers them in.
  enum class Source {
    local_base_path_unicode,  // LinkInfo LocalBasePathUnicode (+ CommonPathSuffix): `C:\Users\José\...`
    local_base_path,          // LinkInfo LocalBasePath, code-page bytes (+ CommonPathSuffix)
    network_path,             // LinkInfo CommonNetworkRelativeLink NetName + CommonPathSuffix: `\\server\share\...`
    relative_path,            // StringData RELATIVE_PATH, relative to the .lnk's folder: `..\..\blobs\<etag>`
    idlist,                   // LinkTargetIDList: My Computer, a drive, then file entries
  };

  std::string path;  // UTF-8, as stored: backslashes, drive letter or UNC prefix kept
  Source source = Source::local_base_path_unicode;

  bool operator==(const LnkTarget&) const = default;
};

// "local_base_path_unicode", ...: the enumerator's name, for reports.
std::string_view to_string(LnkTarget::Source source);

// The target, or why there is none: not a shell link, malformed or truncated, or it holds no path.
// Code-page strings are decoded as Windows-1252; UTF-16 is decoded with unpaired surrogates as U+FFFD.
using LnkResult = std::variant<LnkTarget, std::string>;
LnkResult parse_lnk(std::span<const std::uint8_t> bytes);

inline LnkResult parse_lnk(std::string_view bytes) {
  return parse_lnk(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace hfcache::core
