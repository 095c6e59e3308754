#include "service/local_cache_service.hpp"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "core/cache_lookup.hpp"
#include "core/cache_scan.hpp"
#include "core/errors.hpp"
#include "core/revision_in_use.hpp"
#include "hub/hub_client.hpp"
#include "index/index_catalog.hpp"
#include "index/index_for_settings.hpp"
#include "index/index_usage.hpp"
#include "maintenance/remove.hpp"
#include "pull/options_from_settings.hpp"

namespace hfcache::service {

namespace fs = std::filesystem;

namespace {

// repair's view of the upstream: a commit's files as the hub lists them.
repair::ListCommitFiles upstream_listing(std::shared_ptr<hub::HubClient> hub) {
  if (!hub) return {};
  return [hub](const core::RepoRef& repo, const std::string& commit) {
    std::map<std::string, repair::KnownFile> files;
    for (const auto& f : hub->list_files(repo, commit)) files[f.path] = {f.etag(), f.size};
    return files;
  };
}

}  // namespace

LocalCacheService::LocalCacheService(LocalBacking backing) : backing_(std::move(backing)) {}

void LocalCacheService::refresh_index(const core::RepoRef& repo) {
  try {
    backing_.index().refresh_repo(repo);
  } catch (const std::exception& e) {
    backing_.warn(std::string("the index was not updated (") + e.what() + "); the next command catches up");
  }
}

void LocalCacheService::require_cache_folder() const {
  std::error_code ec;
  if (!fs::is_directory(backing_.layout.root(), ec))
    throw NotFoundError("the cache folder " + backing_.layout.root().string() + " does not exist",
                        "give the cache folder with --cache-dir (or HF_HUB_CACHE), or pull something first");
}

pull::PullResult LocalCacheService::pull(const pull::PullRequest& request, const PullObserver& observer) {
  auto settings = backing_.settings();
  auto hub = request.offline ? nullptr : backing_.upstream();
  pull::Puller puller(backing_.layout, hub.get(), pull::options_from_settings(*settings));
  auto result = puller.pull(request, observer.progress);
  refresh_index(request.repo);
  return result;
}

std::vector<index::IndexedRepo> LocalCacheService::list_repos() {
  try {
    auto& idx = backing_.index();
    idx.refresh_stale();
    return idx.list_repos();
  } catch (const Error& e) {
    backing_.warn(std::string(e.what()) + "; reading the cache folder instead");
  }
  std::vector<index::IndexedRepo> out;
  for (const auto& r : core::scan_cache(backing_.layout, true)) {
    out.push_back(index::indexed_from_scan(r));
    for (auto& v : out.back().revisions) v.file_list.clear();
  }
  return out;
}

std::optional<index::IndexedRepo> LocalCacheService::find_repo(const core::RepoRef& repo) {
  try {
    auto& idx = backing_.index();
    idx.refresh_stale();
    return idx.repo(repo, true);
  } catch (const Error& e) {
    backing_.warn(std::string(e.what()) + "; reading the cache folder instead");
  }
  auto scanned = core::scan_repo(backing_.layout, repo, true);
  if (!scanned) return std::nullopt;
  return index::indexed_from_scan(*scanned);
}

repair::RepairReport LocalCacheService::verify(const api::VerifyRequest& request) {
  repair::RepairOptions options;
  options.dry_run = true;
  options.verify_blobs = true;
  // Read-only: no probe link is written. Copies count as correct only where huggingface_hub makes them.
  options.symlinks = !backing_.settings()->disable_symlinks;
  if (request.repo) {
    std::error_code ec;
    if (!fs::is_directory(backing_.layout.repo_dir(*request.repo), ec))
      throw NotFoundError(request.repo->display() + " is not in the cache " + backing_.layout.root().string(),
                          "run `hfcache pull " + request.repo->display() + "`");
    return repair::repair_repo(backing_.layout, *request.repo, options);
  }
  require_cache_folder();
  return repair::repair_cache(backing_.layout, options);
}

repair::RepairReport LocalCacheService::repair(const api::RepairRequest& request) {
  repair::RepairOptions options;
  options.dry_run = request.dry_run;
  options.verify_blobs = request.verify;
  if (request.upstream) options.list_upstream = upstream_listing(backing_.upstream());
  if (backing_.settings()->disable_symlinks) options.symlinks = false;
  require_cache_folder();
  // What the index knew of each snapshot file before the damage: read without a refresh, which
  // would record the damage instead. No index, or an unreadable one: repair works without it.
  repair::FileCatalog remembered;
  try {
    remembered = index::catalog_from_index(backing_.index());
  } catch (const std::exception&) {
  }
  if (!remembered.empty()) options.extra_catalog = &remembered;
  auto report = repair::repair_cache(backing_.layout, options);
  if (!request.dry_run && report.changed)
    for (const auto& r : report.repos) refresh_index(r.repo);
  return report;
}

bool LocalCacheService::in_use_anywhere(const core::RepoRef& repo, const std::string& commit) const {
  return (backing_.in_use && backing_.in_use(repo, commit)) || core::revision_in_use_elsewhere(backing_.layout, repo, commit);
}

api::RemoveAnswer LocalCacheService::remove(const api::RemoveRequest& request) {
  auto plan = maintenance::plan_remove(backing_.layout, request.repo, request.revision);
  for (const auto& commit : plan.commits)
    if (in_use_anywhere(request.repo, commit))
      throw InUseError(request.repo.display() + "@" + commit + " is in use (being served or pulled)",
                       "try again when the pull or download has finished");
  if (!request.dry_run) {
    maintenance::execute_remove(backing_.layout, plan);
    refresh_index(request.repo);
  }
  return api::answer_of(plan, request.dry_run);
}

api::GcAnswer LocalCacheService::gc(const api::GcRequest& request) {
  // Without the index gc would not know the pins: no gc then (the error says why).
  auto& idx = backing_.index();
  idx.refresh_stale();
  auto plan = maintenance::plan_gc(backing_.layout, request.max_size, index::usage_from_index(idx),
                                   [this](const core::RepoRef& repo, const std::string& commit) {
                                     return in_use_anywhere(repo, commit);
                                   });
  if (!request.dry_run) {
    maintenance::execute_gc(backing_.layout, plan);
    for (const auto& repo : maintenance::repos_changed_by(plan)) idx.refresh_repo(repo);
  }
  return api::answer_of(plan, request.dry_run);
}

api::PinAnswer LocalCacheService::pin(const api::PinRequest& request) {
  auto commit = core::find_in_cache(backing_.layout, request.repo, request.revision, std::nullopt).commit;
  auto& idx = backing_.index();
  idx.refresh_repo(request.repo);
  idx.set_pinned(request.repo, commit, request.pinned);
  if (request.pinned) idx.touch(request.repo, commit);  // a pin is a use: gc's order says so
  return {request.repo, commit, request.pinned};
}

api::ReindexAnswer LocalCacheService::reindex() {
  auto start = std::chrono::steady_clock::now();
  auto repos = backing_.index().rebuild();
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return {repos, took.count()};
}

}  // namespace hfcache::service
