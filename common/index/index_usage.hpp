#pragma once
// What the index knows of every revision that the cache folder cannot say (when it was last used,
// whether it is pinned), in the form gc is handed. Refresh the index first so new revisions count.
#include "index/cache_index.hpp"
#include "maintenance/gc.hpp"

namespace hfcache::index {

maintenance::UsageByRevision usage_from_index(const CacheIndex& index);

}  // namespace hfcache::index
