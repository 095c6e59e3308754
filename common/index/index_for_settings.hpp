#pragma once
// Opening the index the way every in-process command does: at CacheIndex::default_path(state_dir)
// for settings.cache_dir, caught up with what other tools changed in the folder.
#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "core/cache_scan.hpp"
#include "index/cache_index.hpp"

namespace hfcache::index {

// Opened and refresh_stale()d. Throws Error when the database cannot be opened or written.
std::unique_ptr<CacheIndex> open_cache_index(const config::Settings& settings);

// What the index would hold for a scanned repo: for reading the folder directly when the index
// cannot be opened (a read-only state_dir), so ls and show still answer.
IndexedRepo indexed_from_scan(const core::CachedRepo& scanned);

// After the CLI changed the cache in-process (rm, import, pull): bring the index up to date.
// `repo` = only that repo, else everything stale. Never throws: returns the reason it failed, for a
// warning (the folder is the truth; the next command catches up anyway).
std::optional<std::string> refresh_index_after_change(const config::Settings& settings,
                                                      const std::optional<core::RepoRef>& repo) noexcept;

// The resolved commit of `revision` (branch, tag, refs/pr/N or a full commit) when its snapshot is
// in the cache; throws NotFoundError naming repo and revision otherwise.
std::string resolve_cached_commit(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& revision);

}  // namespace hfcache::index
