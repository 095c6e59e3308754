#pragma once
// The index as the CLI's in-process commands use it (at CacheIndex::default_path(state_dir) for
// settings.cache_dir), and what stands in for it when it cannot be opened.
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "core/cache_scan.hpp"
#include "index/cache_index.hpp"

namespace hfcache::index {

// What the index would hold for a scanned repo: for reading the folder directly when the index
// cannot be opened (a read-only state_dir), so ls and show still answer.
IndexedRepo indexed_from_scan(const core::CachedRepo& scanned);

// After the CLI changed the cache in-process (import): bring the index up to date.
// `repo` = only that repo, else everything stale. Never throws: returns the reason it failed, for a
// warning (the folder is the truth; the next command catches up anyway).
std::optional<std::string> refresh_index_after_change(const config::Settings& settings,
                                                      const std::optional<core::RepoRef>& repo) noexcept;

}  // namespace hfcache::index
