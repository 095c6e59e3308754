#pragma once
// What the index remembers of every snapshot file (commit -> path -> blob and size), as a catalog
// repair can resolve entries from. Read it BEFORE any refresh: when a tool replaced links with empty
// placeholders in place, the index still knows which blob each one was, after trees/ is gone too.
#include "index/cache_index.hpp"
#include "repair/repair.hpp"

namespace hfcache::index {

repair::FileCatalog catalog_from_index(const CacheIndex& index);

}  // namespace hfcache::index
