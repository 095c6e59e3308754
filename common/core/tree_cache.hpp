#pragma once
// trees/<commit>.json: the file listing of a commit, written exactly as huggingface_hub >= 1.22
// writes it (json.dump(indent=1), ASCII-escaped, files sorted), so its offline snapshot_download
// can tell our snapshots are complete.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::core {

struct TreeEntry {
  std::string path;
  std::uint64_t size = 0;
  std::string blob_id;                    // git blob sha1
  std::optional<std::string> lfs_sha256;  // LFS files
  std::string etag() const { return lfs_sha256 ? *lfs_sha256 : blob_id; }
};

// The bytes huggingface_hub would write for these entries.
std::string render_tree_cache(std::vector<TreeEntry> entries);

void write_tree_cache(const CacheLayout& layout, const RepoRef& repo, std::string_view commit,
                      const std::vector<TreeEntry>& entries);

// nullopt when absent, unreadable or of an unknown format_version (as huggingface_hub does).
std::optional<std::vector<TreeEntry>> read_tree_cache(const CacheLayout& layout, const RepoRef& repo,
                                                      std::string_view commit);

}  // namespace hfcache::core
