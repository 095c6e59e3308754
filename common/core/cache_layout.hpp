#pragma once
// Where everything lives in a huggingface_hub cache folder (docs/cache-layout.md).
// Pure path arithmetic: nothing here touches the disk except ensure_cachedir_tag().
#include <filesystem>
#include <string>
#include <string_view>

#include "core/repo_id.hpp"

namespace hfcache::core {

namespace fs = std::filesystem;

// Throw UsageError unless `path` is a safe relative path in a repo: '/'-separated, no empty, "." or
// ".." parts, no backslash, NUL or control characters, not absolute, no drive letter.
void validate_repo_path(std::string_view path);

// The relative symlink target from snapshots/<commit>/<path> to blobs/<etag>: one "../" per folder
// level plus two (os.path.relpath in huggingface_hub _create_symlink).
std::string snapshot_link_target(std::string_view path_in_repo, std::string_view etag);

class CacheLayout {
 public:
  explicit CacheLayout(fs::path root);
  const fs::path& root() const { return root_; }

  fs::path repo_dir(const RepoRef& repo) const;
  fs::path blobs_dir(const RepoRef& repo) const;
  fs::path blob_path(const RepoRef& repo, std::string_view etag) const;
  // blobs/<etag>.incomplete: the resumable download huggingface_hub before 1.18 also used.
  fs::path incomplete_path(const RepoRef& repo, std::string_view etag) const;
  fs::path ref_path(const RepoRef& repo, std::string_view revision) const;
  fs::path snapshot_dir(const RepoRef& repo, std::string_view commit) const;
  fs::path snapshot_file(const RepoRef& repo, std::string_view commit, std::string_view path) const;
  fs::path no_exist_path(const RepoRef& repo, std::string_view commit, std::string_view path) const;
  fs::path tree_cache_path(const RepoRef& repo, std::string_view commit) const;
  // <cache>/.locks/<repo folder>/<etag>.lock, the lock huggingface_hub takes around a blob download.
  fs::path lock_path(const RepoRef& repo, std::string_view etag) const;
  // <cache>/.locks/<repo folder>/.hfcache-write.lock: hfcache's own writers (core/write_lock.hpp).
  fs::path write_lock_path(const RepoRef& repo) const;

  // Whether CACHEDIR.TAG belongs in this cache: huggingface_hub >= 1.9 writes it into any cache it
  // downloads into, but before 1.9 scan_cache_dir reports it as a corrupted repo. So only where a
  // current client would meet it anyway: the tag is there already, or no snapshot of the cache holds
  // a file yet (a new cache). A cache an older client filled stays as it is. Ask before linking
  // or downloading anything into the cache.
  bool cachedir_tag_expected() const;
  // Write CACHEDIR.TAG at the cache root if absent, with huggingface_hub's exact content.
  void ensure_cachedir_tag() const;

 private:
  fs::path root_;
};

}  // namespace hfcache::core
