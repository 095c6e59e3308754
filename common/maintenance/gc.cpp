#include "maintenance/gc.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "index/cache_index.hpp"
#include "index/repo_signature.hpp"
#include "maintenance/blob_delete.hpp"

namespace hfcache::maintenance {

namespace fs = std::filesystem;

namespace {

constexpr auto kStaleIncomplete = std::chrono::hours(24);

struct Candidate {
  const index::IndexedRepo* repo;
  const index::IndexedRevision* revision;
};

// blobs/ entries no snapshot links to, and .incomplete downloads untouched for a day.
void find_orphans(const index::CacheIndex& idx, const index::IndexedRepo& repo, GcPlan& plan, std::uint64_t& bytes) {
  std::set<std::string> linked;
  for (const auto& rev : repo.revisions)
    for (const auto& f : rev.file_list)
      if (!f.blob.empty()) linked.insert(f.blob);
  auto blobs = idx.layout().blobs_dir(repo.repo);
  auto folder = repo.repo.folder_name();
  auto cutoff = fs::file_time_type::clock::now() - kStaleIncomplete;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(blobs, ec)) {
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    auto name = entry.path().filename().string();
    bool incomplete = name.ends_with(".incomplete");
    if (incomplete ? entry.last_write_time(ec) > cutoff : linked.count(name) > 0) continue;
    plan.orphan_blobs.push_back(folder + "/blobs/" + name);
    bytes += entry.file_size(ec);
  }
}

}  // namespace

GcPlan plan_gc(index::CacheIndex& idx, std::optional<std::uint64_t> max_size, const InUseFn& in_use) {
  idx.refresh_stale();
  std::vector<index::IndexedRepo> repos;
  for (const auto& summary : idx.list_repos())
    if (auto full = idx.repo(summary.repo, true)) repos.push_back(std::move(*full));

  GcPlan plan;
  std::uint64_t orphan_bytes = 0;
  for (const auto& r : repos) {
    plan.size_before += r.size;
    find_orphans(idx, r, plan, orphan_bytes);
  }
  plan.size_before += orphan_bytes;
  plan.size_after = plan.size_before - orphan_bytes;
  plan.max_size = max_size.value_or(0);
  if (!max_size) return plan;

  std::vector<Candidate> order;
  for (const auto& r : repos)
    for (const auto& v : r.revisions) order.push_back({&r, &v});
  std::stable_sort(order.begin(), order.end(), [](const Candidate& a, const Candidate& b) {
    if (a.revision->last_access != b.revision->last_access) return a.revision->last_access < b.revision->last_access;
    return a.revision->last_modified < b.revision->last_modified;
  });

  // Revisions still kept per repo, to know which blobs an eviction really frees.
  std::map<const index::IndexedRepo*, std::set<const index::IndexedRevision*>> kept;
  for (const auto& c : order) kept[c.repo].insert(c.revision);

  for (const auto& c : order) {
    if (plan.size_after <= *max_size) break;
    auto label = c.repo->repo.display() + "@" + c.revision->commit;
    if (c.revision->pinned) {
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
      for (const auto& f : other->file_list)
        if (!f.blob.empty()) still_linked.insert(f.blob);
    RemovePlan removal;
    removal.repo = c.repo->repo;
    removal.commits = {c.revision->commit};
    removal.refs = c.revision->refs;
    std::set<std::string> freed;
    for (const auto& f : c.revision->file_list) {
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

void execute_gc(index::CacheIndex& idx, const GcPlan& plan) {
  const auto& layout = idx.layout();
  std::map<std::string, std::vector<std::string>> orphans_by_folder;
  for (const auto& entry : plan.orphan_blobs) {
    auto slash = entry.find("/blobs/");
    if (slash == std::string::npos) continue;
    orphans_by_folder[entry.substr(0, slash)].push_back(entry.substr(slash + 7));
  }
  for (const auto& [folder, names] : orphans_by_folder)
    if (auto repo = core::repo_from_folder_name(folder)) delete_unlinked_blobs(layout, *repo, names);
  std::set<std::string> touched;
  for (const auto& removal : plan.evictions) {
    execute_remove(layout, removal);
    touched.insert(removal.repo.folder_name());
  }
  for (const auto& [folder, path] : index::repo_folders(layout.root())) sweep_deleting_leftovers(path);
  for (const auto& folder : touched)
    if (auto repo = core::repo_from_folder_name(folder)) idx.refresh_repo(*repo);
  for (const auto& [folder, names] : orphans_by_folder)
    if (!touched.count(folder))
      if (auto repo = core::repo_from_folder_name(folder)) idx.refresh_repo(*repo);
}

}  // namespace hfcache::maintenance
