#pragma once
// The JSON of rm and gc results, as docs/rest-api.md specifies them: printed by `hfcache rm/gc
// --json` and answered by DELETE /v1/repos/... and POST /v1/gc, so both say the same thing.
#include <nlohmann/json.hpp>

#include "maintenance/gc.hpp"
#include "maintenance/remove.hpp"

namespace hfcache::maintenance {

// {"type", "id", "commits", "refs", "blobs": N, "bytes_freed", "whole_repo", "dry_run"}
nlohmann::json remove_plan_json(const RemovePlan& plan, bool dry_run);
// {"size_before", "size_after", "max_size", "evicted": [{"type", "id", "commits", "bytes_freed"}],
//  "orphan_blobs": N, "skipped": [...], "fits", "dry_run"}
nlohmann::json gc_plan_json(const GcPlan& plan, bool dry_run);

}  // namespace hfcache::maintenance
