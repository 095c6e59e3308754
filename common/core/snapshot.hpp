#pragma once
// Snapshot entries: snapshots/<commit>/<path> as a relative symlink into blobs/, and the
// .no_exist/<commit>/<path> markers, written as huggingface_hub writes them.
#include <string_view>

#include "core/cache_layout.hpp"

namespace hfcache::core {

enum class LinkOutcome { already_correct, created, copied };
class RepoWriteLock;

// Make snapshots/<commit>/<path> point at blobs/<etag> (relative link, replacing a wrong entry
// atomically). Where the file system cannot hold symlinks, copy the blob instead, as
// huggingface_hub does on Windows without Developer Mode (a freshly downloaded blob is moved).
LinkOutcome link_snapshot_file(const CacheLayout& layout, const RepoRef& repo, std::string_view commit,
                               std::string_view path, std::string_view etag, bool symlinks, bool blob_is_new);
// The same for a caller that holds the repo's write lock for all its links (an import, for its
// whole run): one flock per repo instead of one per link.
LinkOutcome link_snapshot_file(const RepoWriteLock& held, const CacheLayout& layout, const RepoRef& repo,
                               std::string_view commit, std::string_view path, std::string_view etag, bool symlinks,
                               bool blob_is_new);

// True if snapshots/<commit>/<path> resolves to a regular file (link or copy).
bool snapshot_file_present(const CacheLayout& layout, const RepoRef& repo, std::string_view commit,
                           std::string_view path);

// Create the empty .no_exist/<commit>/<path> marker (errors ignored, as huggingface_hub does).
void mark_no_exist(const CacheLayout& layout, const RepoRef& repo, std::string_view commit, std::string_view path);

}  // namespace hfcache::core
