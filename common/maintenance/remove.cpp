#include "maintenance/remove.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/cache_scan.hpp"
#include "core/errors.hpp"
#include "core/link_target.hpp"
#include "core/revision.hpp"
#include "core/temp_sweep.hpp"
#include "core/write_lock.hpp"
#include "maintenance/blob_delete.hpp"

namespace hfcache::maintenance {

namespace fs = std::filesystem;

namespace {

std::string resolve_commit(const core::CachedRepo& repo, const std::string& revision) {
  if (auto it = repo.refs.find(revision); it != repo.refs.end()) {
    for (const auto& rev : repo.revisions)
      if (rev.commit == it->second) return it->second;
    throw NotFoundError(repo.repo.display() + "@" + revision + " points at " + it->second + ", which is not in the cache",
                        "run `hfcache ls` to see what is cached, or `hfcache repair` to fix the dangling ref");
  }
  for (const auto& rev : repo.revisions)
    if (rev.commit == revision) return rev.commit;
  throw NotFoundError("revision " + revision + " of " + repo.repo.display() + " is not in the cache",
                      "run `hfcache show " + repo.repo.display() + "` to see its cached revisions");
}

// Remove now-empty folders under refs/ (refs/pr/) after their last ref went.
void prune_empty_dirs(const fs::path& root) {
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec)) dirs.push_back(it->path());
  }
  std::sort(dirs.rbegin(), dirs.rend());  // deepest first
  for (const auto& d : dirs) fs::remove(d, ec);  // fails, harmlessly, when not empty
}

}  // namespace

RemovePlan plan_remove(const core::CacheLayout& layout, const core::RepoRef& repo, const std::optional<std::string>& revision) {
  auto scanned = core::scan_repo(layout, repo, true);
  if (!scanned)
    throw NotFoundError(repo.display() + " is not in the cache " + layout.root().string(),
                        "run `hfcache ls` to see what is cached");
  RemovePlan plan;
  plan.repo = repo;
  plan.interrupted = interrupted_removals(layout, repo);
  std::set<std::string> doomed;
  if (revision) {
    try {
      doomed.insert(resolve_commit(*scanned, *revision));
    } catch (const NotFoundError&) {
      if (plan.interrupted.empty()) throw;
      plan.whole_repo = scanned->revisions.empty() && scanned->refs.empty();
      return plan;  // a killed rm of this revision: finish what it left
    }
  } else {
    for (const auto& rev : scanned->revisions) doomed.insert(rev.commit);
  }
  plan.commits.assign(doomed.begin(), doomed.end());
  for (const auto& [name, commit] : scanned->refs)
    if (doomed.count(commit) || !revision) plan.refs.push_back(name);

  std::set<std::string> kept_blobs;
  std::map<std::string, std::uint64_t> doomed_blobs;
  for (const auto& rev : scanned->revisions) {
    bool deleting = doomed.count(rev.commit) > 0;
    for (const auto& f : rev.files) {
      if (!deleting) {
        if (!f.blob.empty()) kept_blobs.insert(f.blob);
      } else if (!f.blob.empty()) {
        doomed_blobs[f.blob] = f.size;
      } else if (f.ok) {
        plan.bytes_freed += f.size;  // a copy inside the snapshot goes with it
      }
    }
  }
  for (const auto& [etag, size] : doomed_blobs) {
    if (kept_blobs.count(etag)) continue;
    plan.blobs.push_back(etag);
    plan.bytes_freed += size;
  }
  plan.whole_repo = doomed.size() == scanned->revisions.size();
  return plan;
}

// Order for crash safety, each step leaving a cache scan_cache_dir() accepts: refs first (a snapshot
// without a ref is a valid detached revision; a ref to a missing snapshot is a corrupted cache),
// then each snapshot folder at once (renamed aside, so never half a snapshot), its trees/ listing
// and .no_exist/ markers, then the blobs nothing links to any more (orphan blobs are harmless),
// and last the repo folder and its .locks/ when nothing is left.
void execute_remove(const core::CacheLayout& layout, const RemovePlan& plan) {
  auto dir = layout.repo_dir(plan.repo);
  std::error_code ec;
  if (!plan.interrupted.empty()) finish_interrupted_removals(layout, plan.repo, plan.interrupted);
  {
    // While a snapshot is moved aside and deleted, other commands' sweeps leave the aside folder alone.
    core::RepoWriteLock writing(layout, plan.repo);
    for (const auto& name : plan.refs) fs::remove(layout.ref_path(plan.repo, name), ec);
    prune_empty_dirs(dir / "refs");
    for (const auto& commit : plan.commits) {
      remove_folder_atomically(layout.snapshot_dir(plan.repo, commit), dir);
      fs::remove(layout.tree_cache_path(plan.repo, commit), ec);
      fs::remove_all(dir / ".no_exist" / commit, ec);
    }
  }
  delete_unlinked_blobs(layout, plan.repo, plan.blobs);
  if (!plan.whole_repo) return;
  bool snapshots_left = false;
  for (const auto& entry : fs::directory_iterator(dir / "snapshots", ec)) snapshots_left |= entry.is_directory(ec);
  if (snapshots_left) return;  // a download created a revision meanwhile: keep the folder
  // Blobs a snapshot once linked and an earlier killed run left (and the planned ones, if a
  // concurrent reader kept them a moment): under their locks, only what nothing links to goes.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(layout.blobs_dir(plan.repo), ec))
    if (core::is_etag(entry.path().filename().string())) names.push_back(entry.path().filename().string());
  delete_unlinked_blobs(layout, plan.repo, names);
  // Only empty folders, trees/ and .no_exist/ remain: no rename needed (an aside folder in the
  // cache root would show up in a concurrent scan_cache_dir() as a corrupted repo).
  fs::remove_all(dir, ec);
  if (ec) throw fs::filesystem_error("cannot delete", dir, ec);
  fs::remove_all(layout.root() / ".locks" / plan.repo.folder_name(), ec);
}

std::vector<fs::path> interrupted_removals(const core::CacheLayout& layout, const core::RepoRef& repo) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout.repo_dir(repo), ec))
    if (entry.path().filename().string().starts_with(core::deleting_prefix) && entry.is_directory(ec) &&
        !entry.is_symlink(ec))
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool finish_interrupted_removals(const core::CacheLayout& layout, const core::RepoRef& repo,
                                 const std::vector<fs::path>& folders) {
  auto idle = core::try_lock_repo_idle(layout, repo);
  if (!idle) return false;  // an rm at work right now: its folder is not a leftover
  std::set<std::string> etags;
  for (const auto& folder : folders) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(folder, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_symlink(ec)) continue;
      auto in_snapshot = it->path().lexically_relative(folder).generic_string();
      auto info = core::analyse_link_target(fs::read_symlink(it->path(), ec).string(), in_snapshot);
      if (info.etag) etags.insert(*info.etag);
    }
    fs::remove_all(folder, ec);
    if (ec) throw fs::filesystem_error("cannot delete", folder, ec);
  }
  idle.reset();  // the blob locks come next; a writer may go on meanwhile
  delete_unlinked_blobs(layout, repo, {etags.begin(), etags.end()});
  return true;
}

}  // namespace hfcache::maintenance
