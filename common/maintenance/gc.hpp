#pragma once
// gc with a size quota: evict least recently used revisions until the cache fits, never a pinned
// one and never one in use (being served or pulled; the daemon says which). Blobs shared with a
// kept revision stay. Orphan blobs (linked by no snapshot) and stale .incomplete files older than a
// day go first.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "maintenance/remove.hpp"

namespace hfcache::index {
class CacheIndex;
}

namespace hfcache::maintenance {

struct GcPlan {
  std::uint64_t size_before = 0, size_after = 0, max_size = 0;
  std::vector<RemovePlan> evictions;     // in eviction order (least recently used first)
  std::vector<std::string> orphan_blobs; // "<repo folder>/blobs/<etag>"
  std::vector<std::string> skipped;      // "repo@commit: pinned" / ": in use" kept despite the quota
  bool fits = true;                      // false when pinned/in-use revisions alone exceed the quota
};

using InUseFn = std::function<bool(const core::RepoRef&, const std::string& commit)>;

// `max_size`: nullopt = only orphans and stale temporaries.
GcPlan plan_gc(index::CacheIndex& index, std::optional<std::uint64_t> max_size, const InUseFn& in_use);
void execute_gc(index::CacheIndex& index, const GcPlan& plan);

// "10G", "500MB", "1.5GiB", "123" (bytes) -> bytes; throws UsageError on anything else.
std::uint64_t parse_size(std::string_view text);

}  // namespace hfcache::maintenance
