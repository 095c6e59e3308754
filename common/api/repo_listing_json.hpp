#pragma once
// GET /v1/repos and GET /v1/repos/{type}s/{id} (docs/rest-api.md): the index's repos as hfcached
// writes them and the CLI reads them back into the same index::IndexedRepo.
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "index/cache_index.hpp"

namespace hfcache::api {

// A list entry: totals, refs, `revisions` as a count.
nlohmann::json repo_summary_json(const index::IndexedRepo& repo);
// The detail answer: every revision with its file list.
nlohmann::json repo_detail_json(const index::IndexedRepo& repo);
// Either shape read back (a summary leaves `revisions` default-constructed, one per counted revision).
// Throws nlohmann::json::exception when `type` or `id` is missing.
index::IndexedRepo repo_from_json(const nlohmann::json& j);

// {"repos": [summary...]}, the answer of GET /v1/repos, and back.
nlohmann::json repo_list_json(const std::vector<index::IndexedRepo>& repos);
std::vector<index::IndexedRepo> repo_list_from_json(const nlohmann::json& j);

}  // namespace hfcache::api
