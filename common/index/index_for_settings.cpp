#include "index/index_for_settings.hpp"

#include <algorithm>
#include <chrono>

#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"

namespace hfcache::index {

namespace fs = std::filesystem;

std::unique_ptr<CacheIndex> open_cache_index(const config::Settings& settings) {
  auto idx = std::make_unique<CacheIndex>(core::CacheLayout(settings.cache_dir), CacheIndex::default_path(settings.state_dir));
  idx->refresh_stale();
  return idx;
}

IndexedRepo indexed_from_scan(const core::CachedRepo& scanned) {
  auto seconds = [](fs::file_time_type t) -> std::int64_t {
    auto sys = std::chrono::file_clock::to_sys(t);
    return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
  };
  IndexedRepo r;
  r.repo = scanned.repo;
  r.refs = scanned.refs;
  r.size = scanned.size;
  r.blob_count = scanned.file_count;
  for (const auto& v : scanned.revisions) {
    IndexedRevision rev;
    rev.commit = v.commit;
    rev.refs = v.refs;
    rev.files = v.files.size();
    rev.size = v.size;
    rev.last_modified = rev.last_access = seconds(v.last_modified);
    rev.expected_files = v.expected_files;
    rev.missing_files = v.missing_files;
    for (const auto& f : v.files) rev.file_list.push_back({f.path, f.blob, f.size, f.ok});
    r.last_modified = std::max(r.last_modified, rev.last_modified);
    r.last_access = r.last_modified;
    r.revisions.push_back(std::move(rev));
  }
  return r;
}

std::optional<std::string> refresh_index_after_change(const config::Settings& settings,
                                                      const std::optional<core::RepoRef>& repo) noexcept {
  try {
    CacheIndex idx(core::CacheLayout(settings.cache_dir), CacheIndex::default_path(settings.state_dir));
    if (repo) idx.refresh_repo(*repo);
    idx.refresh_stale();
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

std::string resolve_cached_commit(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& revision) {
  std::error_code ec;
  if (!fs::is_directory(layout.repo_dir(repo), ec))
    throw NotFoundError(repo.display() + " is not in the cache " + layout.root().string(),
                        "run `hfcache ls` to see what is cached");
  std::string commit = revision;
  if (!core::is_commit_hash(revision)) {
    auto ref = core::read_ref(layout, repo, revision);
    if (!ref)
      throw NotFoundError("revision " + revision + " of " + repo.display() + " is not in the cache",
                          "run `hfcache show " + repo.display() + "` to see its refs and revisions");
    commit = *ref;
  }
  if (!fs::is_directory(layout.snapshot_dir(repo, commit), ec))
    throw NotFoundError(repo.display() + "@" + revision + " (" + commit + ") is not in the cache",
                        "run `hfcache pull " + repo.display() + " --revision " + revision + "`");
  return commit;
}

}  // namespace hfcache::index
