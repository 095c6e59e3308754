#include "index/index_for_settings.hpp"

#include <algorithm>

#include "util/fs.hpp"

namespace hfcache::index {

IndexedRepo indexed_from_scan(const core::CachedRepo& scanned) {
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
    rev.last_modified = rev.last_access = util::unix_seconds(v.last_modified);
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

}  // namespace hfcache::index
