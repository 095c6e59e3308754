#pragma once
// The SQLite index of a hub cache: repos, refs, revisions, files and blobs with sizes and last
// access, kept outside the hub folder (state_dir/index.sqlite; WAL mode) so scan_cache_dir() never
// sees it. The cache folder stays the source of truth: the index is built by scanning it, updated
// after every pull, rm, repair and import, and rebuilt when another tool changed the folder.
// Pins (revisions gc must never evict) and last-access times live only here.
// Thread-safe: one connection, serialised by a mutex (the daemon calls it from many threads).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::index {

struct IndexedFile {
  std::string path;        // in repo, '/'-separated
  std::string blob;        // etag the snapshot entry resolves to ("" when broken or a copy)
  std::uint64_t size = 0;  // of that blob
  bool ok = true;          // resolves to a regular file inside the repo folder
};

struct IndexedRevision {
  std::string commit;
  std::vector<std::string> refs;  // names pointing at it ("main", "v1.0", "refs/pr/1")
  std::size_t files = 0;
  std::uint64_t size = 0;          // distinct blobs of this revision
  std::int64_t last_access = 0;    // unix seconds: served, pulled or pinned; else the snapshot's mtime
  bool pinned = false;
  std::vector<IndexedFile> file_list;  // filled only when asked for
  std::int64_t last_modified = 0;      // unix seconds: the snapshot folder's mtime
  std::optional<std::size_t> expected_files;  // from trees/<commit>.json when present
  std::size_t missing_files = 0;              // listed there but not in the snapshot
};

struct IndexedRepo {
  core::RepoRef repo;
  std::map<std::string, std::string> refs;  // name -> commit
  std::vector<IndexedRevision> revisions;
  std::uint64_t size = 0;        // distinct blobs over all revisions (as scan_cache_dir counts)
  std::size_t blob_count = 0;
  std::int64_t last_access = 0;
  std::int64_t last_modified = 0;
};

class CacheIndex {
 public:
  // Open (create) the database at `db_path` for the cache at `layout.root()`; WAL mode. An older
  // schema is upgraded, pins and access times kept; a database made for another cache folder is
  // reset. Throws Error naming the file when it cannot be opened, or when it was written by a newer
  // hfcache (then the file is left as it was).
  CacheIndex(core::CacheLayout layout, std::filesystem::path db_path);
  ~CacheIndex();
  CacheIndex(const CacheIndex&) = delete;
  CacheIndex& operator=(const CacheIndex&) = delete;

  // state_dir/index.sqlite
  static std::filesystem::path default_path(const std::filesystem::path& state_dir);

  const core::CacheLayout& layout() const;

  // Scan the whole cache folder and replace the index's content (keeps pins and access times of
  // revisions that still exist). Returns the number of repos indexed.
  std::size_t rebuild();
  // Rescan one repo folder (after a pull, rm, repair or import); drops it when the folder is gone.
  void refresh_repo(const core::RepoRef& repo);
  // Cheap check (a stat per repo folder): true when repo folders appeared or vanished, or a repo's
  // refs/ or snapshots/ folder changed since it was indexed. Never indexed counts as stale.
  bool stale() const;
  // Refresh what stale() would report, repo by repo (new, changed, vanished).
  void refresh_stale();

  std::vector<IndexedRepo> list_repos() const;
  std::optional<IndexedRepo> repo(const core::RepoRef& repo, bool with_files) const;

  // Record that a revision was used (served or pulled) now.
  void touch(const core::RepoRef& repo, std::string_view commit);
  void set_pinned(const core::RepoRef& repo, std::string_view commit, bool pinned);
  bool is_pinned(const core::RepoRef& repo, std::string_view commit) const;

  // Sum of the repos' sizes, and the number of repos (for /metrics and health), from the index alone.
  std::uint64_t total_size() const;
  std::size_t repo_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hfcache::index
