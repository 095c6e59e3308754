#pragma once
// The JSON shapes of the index's repos (docs/rest-api.md, GET /v1/repos and /v1/repos/{type}s/{id}):
// hfcached writes them, the CLI reads them back into the same types; one definition keeps the two sides
// in step.
#include <nlohmann/json.hpp>

#include "index/cache_index.hpp"

namespace hfcache::index {

// A list entry: totals, refs, `revisions` as a count.
nlohmann::json repo_summary_json(const IndexedRepo& repo);
// The detail answer: every revision with its file list.
nlohmann::json repo_detail_json(const IndexedRepo& repo);
// Either shape read back (a summary leaves `revisions` default-constructed, one per counted revision).
// Throws nlohmann::json::exception when `type` or `id` is missing.
IndexedRepo repo_from_json(const nlohmann::json& j);

}  // namespace hfcache::index
