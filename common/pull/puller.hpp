#pragma once
// `pull`: bring one revision of a repo into the cache, in huggingface_hub's layout, downloading
// only what is missing. Resolves the revision, lists its files (trees/<commit>.json when cached),
// writes refs/, then downloads missing blobs in parallel (several files at once, large files as
// parallel ranges), each under huggingface_hub's lock, verified before it is renamed into place,
// and links the snapshot. Throws the typed errors of core/errors.hpp. After a crash or error, every
// finished file is in place and every unfinished one is a resumable blobs/<etag>.incomplete.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"
#include "pull/progress.hpp"

namespace hfcache::hub {
class HubClient;
}

namespace hfcache::pull {

struct PullRequest {
  core::RepoRef repo;
  std::string revision = "main";
  std::vector<std::string> include, exclude;  // fnmatch globs, as huggingface_hub allow/ignore_patterns
  bool offline = false;                       // answer from the cache alone
  // Called once the commit is known and before anything is written: the daemon marks the revision
  // in use there, so gc never evicts what is being pulled.
  std::function<void(const std::string& commit)> on_commit = {};
};

struct PullOptions {
  int max_workers = 8;
  std::uint64_t chunk_size = 32ull << 20;          // ranges a large file is split into
  std::uint64_t parallel_threshold = 64ull << 20;  // files at least this big are split
  bool write_cachedir_tag = true;                  // as huggingface_hub >= 1.9
  bool disable_symlinks = false;                   // HF_HUB_DISABLE_SYMLINKS: copies even where links work
  int max_stalls = 5;                              // consecutive broken transfers without progress
  std::chrono::milliseconds resume_delay{1000};    // wait before resuming a broken transfer (huggingface_hub: 1 s)
  std::filesystem::path journal_dir;               // hfcache's state_dir: range journals of split files (empty: none)
};

struct PullResult {
  std::string commit;
  std::filesystem::path snapshot_path;
  std::size_t files = 0;            // files of the revision selected by include/exclude
  std::uint64_t bytes = 0;          // their total size
  std::size_t files_downloaded = 0;
  std::uint64_t bytes_downloaded = 0;
  bool from_cache_only = false;     // upstream not asked (offline) or unreachable
  std::vector<std::string> not_in_repo;  // literal --include names the revision does not have
  bool symlinks = true;             // false: the file system cannot hold links; files were copied
};

class Puller {
 public:
  // `hub` may be null when request.offline is set.
  Puller(core::CacheLayout layout, hub::HubClient* hub, PullOptions options);
  PullResult pull(const PullRequest& request, const ProgressFn& progress);

 private:
  // Answer from the cache alone; `upstream_error` is why the upstream could not be asked (empty: --offline).
  PullResult pull_offline(const PullRequest& request, const std::string& upstream_error);

  core::CacheLayout layout_;
  hub::HubClient* hub_;
  PullOptions options_;
};

}  // namespace hfcache::pull
