#pragma once
// Git LFS pointer files (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md): the small text
// git keeps in place of a large file. A clone made without git-lfs holds these where the weights
// should be; they are never content, and the tools say so.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hfcache::core {

// git-lfs reads no pointer bigger than this (its blobSizeCutoff).
inline constexpr std::size_t lfs_pointer_max_size = 1024;

struct LfsPointer {
  std::string sha256;  // 64 lowercase hex: the real file's content hash (its etag in the cache)
  std::uint64_t size = 0;  // the real file's size
};

// The pointer `text` holds, or nullopt when it is none: the first line "version
// https://git-lfs.github.com/spec/v1" (or the older hawser URL), then "key value" lines with keys
// sorted, an "oid sha256:<64 hex>" and a "size <decimal>"; every line ends with "\n" (git-lfs
// writes it so; the last may lack it). At most lfs_pointer_max_size bytes.
std::optional<LfsPointer> parse_lfs_pointer(std::string_view text);

// The pointer in the file at `path`, or nullopt when the file is no pointer, larger than one, or
// unreadable. Reads at most lfs_pointer_max_size + 1 bytes; follows links.
std::optional<LfsPointer> read_lfs_pointer_file(const std::filesystem::path& path);

// What to tell a user about a pointer file where `path` should be: what it is, and how to get the
// real file (git lfs pull in the clone, or hfcache pull of the repo).
std::string lfs_pointer_explanation(std::string_view path, const LfsPointer& pointer);

}  // namespace hfcache::core
