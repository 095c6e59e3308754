#pragma once
// Deleting a repo or one revision of it, as huggingface_hub's delete_revisions() does
// (docs/cache-layout.md "Deleting revisions"): the snapshot folder, the refs pointing at it, and the blobs no other
// revision still links to; the whole repo folder when nothing is left. Takes the blob locks of
// .locks/ so a concurrent download by huggingface_hub is never cut from under it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::maintenance {

struct RemovePlan {
  core::RepoRef repo;
  std::vector<std::string> commits;       // snapshots to delete
  std::vector<std::string> refs;          // refs to delete
  std::vector<std::string> blobs;         // etags no longer used by any kept revision
  std::uint64_t bytes_freed = 0;
  bool whole_repo = false;                // nothing left: the repo folder goes
};

// `revision`: a commit, branch, tag or refs/pr/N, resolved through refs/; nullopt = every revision.
// Throws NotFoundError naming the repo or revision when the cache does not hold it.
RemovePlan plan_remove(const core::CacheLayout& layout, const core::RepoRef& repo,
                       const std::optional<std::string>& revision);
void execute_remove(const core::CacheLayout& layout, const RemovePlan& plan);

}  // namespace hfcache::maintenance
