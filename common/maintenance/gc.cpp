#include "maintenance/gc.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/cache_scan.hpp"
#include "core/temp_sweep.hpp"
#include "util/file_lock.hpp"
#include "maintenance/blob_delete.hpp"
#include "util/fs.hpp"

namespace hfcache::maintenance {

namespace fs = std::filesystem;

namespace {

constexpr auto kStaleIncomplete = std::chrono::hours(24);

struct Candidate {
  const core::CachedRepo* repo;
  const core::CachedRevision* revision;
  std::int64_t last_access;    // unix seconds
  std::int64_t last_modified;  // unix seconds
  bool pinned;
};

// blobs/ entries no snapshot links to, and downloads' temp files untouched for a day (for hf-hub's
// blobs/<etag>.lock: and not held). hfcache's own staged files are the sweep's (core/temp_sweep.hpp).
void find_orphans(const core::CacheLayout& layout, const core::CachedRepo& repo, GcPlan& plan, std::uint64_t& bytes) {
  std::set<std::string> linked;
  for (const auto& rev : repo.revisions)
    for (const auto& f : rev.files)
      if (!f.blob.empty()) linked.insert(f.blob);
  auto folder = repo.repo.folder_name();
  auto cutoff = fs::file_time_type::clock::now() - kStaleIncomplete;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout.blobs_dir(repo.repo), ec)) {
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    auto name = entry.path().filename().string();
    if (core::is_own_blob_temp(name)) continue;
    bool temp = core::is_download_temp(name) || name.ends_with(".incomplete");
    if (temp ? entry.last_write_time(ec) > cutoff : linked.count(name) > 0) continue;
    if (name.ends_with(".lock") && !util::FileLock::try_lock_probe(entry.path())) continue;
    plan.orphan_blobs.push_back(folder + "/blobs/" + name);
    bytes += entry.file_size(ec);
  }
}

// Every revision, least recently used first (ties: the older snapshot first).
std::vector<Candidate> eviction_order(const std::vector<core::CachedRepo>& repos, const UsageByRevision& usage) {
  std::vector<Candidate> order;
  for (const auto& r : repos) {
    std::vector<Candidate> revisions;
    for (const auto& v : r.revisions) {
      auto modified = util::unix_seconds(v.last_modified);
      auto it = usage.find(usage_key(r.repo, v.commit));
      bool known = it != usage.end();
      revisions.push_back({&r, &v, std::max(known ? it->second.last_access : 0, modified), modified, known && it->second.pinned});
    }
    // Newest first, as the index lists them: the stable sort below keeps that order among equals.
    std::sort(revisions.begin(), revisions.end(), [](const Candidate& a, const Candidate& b) {
      return a.last_modified != b.last_modified ? a.last_modified > b.last_modified : a.revision->commit < b.revision->commit;
    });
    order.insert(order.end(), revisions.begin(), revisions.end());
  }
  std::stable_sort(order.begin(), order.end(), [](const Candidate& a, const Candidate& b) {
    if (a.last_access != b.last_access) return a.last_access < b.last_access;
    return a.last_modified < b.last_modified;
  });
  return order;
}

// The repo folder, if it still holds no snapshot, no ref and no blob (its orphans went above; a
// download that has begun meanwhile has a file in blobs/ by now, so it stays).
void remove_if_empty(const core::CacheLayout& layout, const core::RepoRef& repo) {
  auto dir = layout.repo_dir(repo);
  std::error_code ec;
  for (const char* sub : {"snapshots", "blobs"})
    if (fs::directory_iterator(dir / sub, ec) != fs::directory_iterator()) return;
  for (auto it = fs::recursive_directory_iterator(dir / "refs", ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (!it->is_directory(ec)) return;
  fs::remove_all(dir, ec);
  fs::remove_all(layout.root() / ".locks" / repo.folder_name(), ec);
}

}  // namespace

std::string usage_key(const core::RepoRef& repo, std::string_view commit) {
  return repo.folder_name() + "@" + std::string(commit);
}

GcPlan plan_gc(const core::CacheLayout& layout, std::optional<std::uint64_t> max_size, const UsageByRevision& usage,
               const InUseFn& in_use) {
  auto repos = core::scan_cache(layout, true);
  GcPlan plan;
  std::uint64_t orphan_bytes = 0;
  for (const auto& r : repos) {
    plan.size_before += r.size;
    find_orphans(layout, r, plan, orphan_bytes);
    // A folder a killed rm or gc left with nothing in it (scan_cache_dir warns about it).
    if (r.revisions.empty() && r.refs.empty()) plan.empty_repos.push_back(r.repo);
  }
  plan.size_before += orphan_bytes;
  plan.size_after = plan.size_before - orphan_bytes;
  plan.max_size = max_size.value_or(0);
  if (!max_size) return plan;

  auto order = eviction_order(repos, usage);
  // Revisions still kept per repo, to know which blobs an eviction really frees.
  std::map<const core::CachedRepo*, std::set<const core::CachedRevision*>> kept;
  for (const auto& c : order) kept[c.repo].insert(c.revision);

  for (const auto& c : order) {
    if (plan.size_after <= *max_size) break;
    auto label = c.repo->repo.display() + "@" + c.revision->commit;
    if (c.pinned) {
      plan.skipped.push_back(label + ": pinned");
      continue;
    }
    if (in_use && in_use(c.repo->repo, c.revision->commit)) {
      plan.skipped.push_back(label + ": in use");
      continue;
    }
    auto& remaining = kept[c.repo];
    remaining.erase(c.revision);
    std::set<std::string> still_linked;
    for (const auto* other : remaining)
      for (const auto& f : other->files)
        if (!f.blob.empty()) still_linked.insert(f.blob);
    RemovePlan removal;
    removal.repo = c.repo->repo;
    removal.commits = {c.revision->commit};
    removal.refs = c.revision->refs;
    std::set<std::string> freed;
    for (const auto& f : c.revision->files) {
      if (f.blob.empty()) {
        if (f.ok) removal.bytes_freed += f.size;
      } else if (!still_linked.count(f.blob) && freed.insert(f.blob).second) {
        removal.blobs.push_back(f.blob);
        removal.bytes_freed += f.size;
      }
    }
    removal.whole_repo = remaining.empty();
    plan.size_after -= std::min(plan.size_after, removal.bytes_freed);
    plan.evictions.push_back(std::move(removal));
  }
  plan.fits = plan.size_after <= *max_size;
  return plan;
}

void execute_gc(const core::CacheLayout& layout, const GcPlan& plan) {
  // First what killed commands and file managers left (aside folders among them: their blobs are
  // orphans already, in the plan).
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout.root(), ec))
    if (entry.is_directory(ec) && !entry.is_symlink(ec))
      if (auto repo = core::repo_from_folder_name(entry.path().filename().string()))
        core::sweep_leftovers(layout, *repo, {.litter = true});
  std::map<std::string, std::vector<std::string>> orphans_by_folder;
  for (const auto& entry : plan.orphan_blobs) {
    auto slash = entry.find("/blobs/");
    if (slash == std::string::npos) continue;
    orphans_by_folder[entry.substr(0, slash)].push_back(entry.substr(slash + 7));
  }
  for (const auto& [folder, names] : orphans_by_folder)
    if (auto repo = core::repo_from_folder_name(folder)) delete_unlinked_blobs(layout, *repo, names);
  for (const auto& removal : plan.evictions) execute_remove(layout, removal);
  for (const auto& repo : plan.empty_repos) remove_if_empty(layout, repo);
}

std::vector<core::RepoRef> repos_changed_by(const GcPlan& plan) {
  std::vector<core::RepoRef> out;
  auto add = [&](const core::RepoRef& repo) {
    if (std::find(out.begin(), out.end(), repo) == out.end()) out.push_back(repo);
  };
  for (const auto& removal : plan.evictions) add(removal.repo);
  for (const auto& entry : plan.orphan_blobs)
    if (auto repo = core::repo_from_folder_name(entry.substr(0, entry.find('/')))) add(*repo);
  for (const auto& repo : plan.empty_repos) add(repo);
  return out;
}

}  // namespace hfcache::maintenance
