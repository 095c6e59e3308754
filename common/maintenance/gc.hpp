#pragma once
// gc with a size quota: evict least recently used revisions until the cache fits, never a pinned
// one and never one in use (being served or pulled; the daemon says which). Blobs shared with a
// kept revision stay. Orphan blobs (linked by no snapshot), downloads' temp files older than a day,
// the leftovers of core/temp_sweep.hpp (litter included) and repo folders left with no snapshot and
// no ref go first. What is cached is read from the folder; what the folder cannot say (when a revision
// was last used, whether it is pinned, whether it is in use) is handed in by the caller, who keeps
// it (the index, the daemon's usage tracker) and refreshes its index after execute_gc.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maintenance/remove.hpp"

namespace hfcache::maintenance {

struct GcPlan {
  std::uint64_t size_before = 0, size_after = 0, max_size = 0;
  std::vector<RemovePlan> evictions;     // in eviction order (least recently used first)
  std::vector<std::string> orphan_blobs; // "<repo folder>/blobs/<etag>"
  std::vector<std::string> skipped;      // "repo@commit: pinned" / ": in use" kept despite the quota
  std::vector<core::RepoRef> empty_repos; // folders with no revision and no ref (a killed rm or gc): removed
  bool fits = true;                      // false when pinned/in-use revisions alone exceed the quota
};

// What gc cannot read from the cache folder about one revision.
struct RevisionUsage {
  std::int64_t last_access = 0;  // unix seconds it was last served, pulled or pinned; older than its snapshot's mtime: that counts
  bool pinned = false;
};
// usage_key(repo, commit) -> usage; a revision not listed is unpinned, last used when its snapshot was written.
using UsageByRevision = std::map<std::string, RevisionUsage>;
std::string usage_key(const core::RepoRef& repo, std::string_view commit);

using InUseFn = std::function<bool(const core::RepoRef&, const std::string& commit)>;

// `max_size`: nullopt = only orphans and stale temporaries. `in_use` may be empty (nothing in use).
GcPlan plan_gc(const core::CacheLayout& layout, std::optional<std::uint64_t> max_size, const UsageByRevision& usage,
               const InUseFn& in_use);
void execute_gc(const core::CacheLayout& layout, const GcPlan& plan);
// The repos execute_gc changes (evictions and orphans), for the caller's index.
std::vector<core::RepoRef> repos_changed_by(const GcPlan& plan);

// "10G", "500MB", "1.5GiB", "123" (bytes) -> bytes; throws UsageError on anything else.
std::uint64_t parse_size(std::string_view text);

}  // namespace hfcache::maintenance
