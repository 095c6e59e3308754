#pragma once
// Reading what a cache holds, from the folder alone (no index, no network): repos, their refs,
// snapshots and files with sizes, the way huggingface_hub's scan_cache_dir counts them (a blob
// shared by several snapshots counts once).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::core {

struct CachedFile {
  std::string path;          // in repo
  std::uint64_t size = 0;    // of the resolved blob; 0 when broken
  std::string blob;          // the etag it links to, or "" for a copy or a broken entry
  bool ok = false;           // resolves to a regular file inside the repo folder
};

struct CachedRevision {
  std::string commit;
  std::vector<std::string> refs;  // refs pointing at it
  std::vector<CachedFile> files;
  std::uint64_t size = 0;         // distinct blobs
  std::optional<std::size_t> expected_files;  // from trees/<commit>.json when present
  std::size_t missing_files = 0;  // listed in trees/ but not in the snapshot
  std::filesystem::file_time_type last_modified{};
};

struct CachedRepo {
  RepoRef repo;
  std::filesystem::path dir;
  std::map<std::string, std::string> refs;  // name -> commit (as read, trimmed)
  std::vector<CachedRevision> revisions;
  std::uint64_t size = 0;        // distinct blobs over all revisions
  std::size_t file_count = 0;    // distinct blobs
  std::filesystem::file_time_type last_modified{};
};

// Every repo folder in the cache, sorted by type then id; a folder this process may not read
// (core/closed_repo.hpp) is left out, as scan_repo gives nullopt for it. `with_files` = false skips per-file detail.
std::vector<CachedRepo> scan_cache(const CacheLayout& layout, bool with_files = true);
std::optional<CachedRepo> scan_repo(const CacheLayout& layout, const RepoRef& repo, bool with_files = true);

}  // namespace hfcache::core
