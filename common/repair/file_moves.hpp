#pragma once
// The file operations of a repair, each crash-safe: after an interruption every file is either old or
// new, and bytes are never in one place only while they move (a hard link or a verified copy first,
// the old name removed after). Throw std::system_error.
#include <filesystem>
#include <string_view>

#include "repair/etag_rules.hpp"

namespace hfcache::repair {

namespace fs = std::filesystem;

// sha256 and git blob sha1 of a regular file (lstat first: a link is never followed here).
ContentHashes hash_regular_file(const fs::path& path);

// Give the bytes of `copy` (which `etag` names) the name `blob` too: a hard link when the file system
// allows it (atomic, no extra space), else a copy through blobs/<etag>.<8hex>.incomplete that is
// hashed again before the rename. `copy` is left in place.
void store_as_blob(const fs::path& copy, const fs::path& blob, std::string_view etag);

// Atomically make `dst` a copy of `src` (temp file beside `dst`, fsync, rename, fsync the folder).
void write_copy_atomically(const fs::path& src, const fs::path& dst);

// Atomically make `link` a symlink to `target` (replacing what is there), then fsync its folder.
void relink(const fs::path& link, const std::string& target);

// Hard links of the file at `path` (lstat): 1 means removing it frees its bytes.
std::uint64_t link_count(const fs::path& path);

}  // namespace hfcache::repair
