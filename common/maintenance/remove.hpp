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
  // Folders a killed rm or gc moved aside (.hfcache-deleting-*): finished first, with the blobs
  // they alone linked to. A re-run of a killed `rm REPO@REV` whose revision is gone finishes these.
  std::vector<std::filesystem::path> interrupted;
};

// `revision`: a commit, branch, tag or refs/pr/N, resolved through refs/; nullopt = every revision.
// Throws NotFoundError naming the repo or revision when the cache does not hold it (and no
// interrupted removal is left to finish).
RemovePlan plan_remove(const core::CacheLayout& layout, const core::RepoRef& repo,
                       const std::optional<std::string>& revision);
void execute_remove(const core::CacheLayout& layout, const RemovePlan& plan);

// The .hfcache-deleting-* folders of a repo folder, sorted.
std::vector<std::filesystem::path> interrupted_removals(const core::CacheLayout& layout, const core::RepoRef& repo);
// Remove them and the blobs only they linked to, if no hfcache writer is at work in the repo
// (core/write_lock.hpp); returns false (nothing done) otherwise.
bool finish_interrupted_removals(const core::CacheLayout& layout, const core::RepoRef& repo,
                                 const std::vector<std::filesystem::path>& folders);

}  // namespace hfcache::maintenance
