#pragma once
// Which files the hub stores in LFS when a repo keeps its default .gitattributes, and the ids the
// hub gives them: an LFS file is named by the sha256 of its content and listed with the git blob
// sha1 of its pointer file; any other file is named by the git blob sha1 of its content.
#include <cstdint>
#include <string>
#include <string_view>

namespace hfcache::core {

// Files this big go to LFS whatever their name (the hub's regular-file limit, 10 MiB).
inline constexpr std::uint64_t lfs_size_threshold = 10ull * 1024 * 1024;

// True if the hub would store `path` (in-repo, '/'-separated) of `size` bytes in LFS under the
// default .gitattributes of a new repo (case-sensitive, as git matches attributes).
bool stored_in_lfs(std::string_view path, std::uint64_t size);

// The git blob sha1 of the LFS pointer file for content of this sha256 and size: what the hub
// lists as the file's "oid" (and trees/<commit>.json as its "blob_id").
std::string lfs_pointer_blob_id(std::string_view sha256, std::uint64_t size);

}  // namespace hfcache::core
