#pragma once
// The CacheService that calls the domain in-process: the CLI's when no daemon serves its cache (or
// with --local), and hfcached's own behind its /v1 routes, so both run exactly the same code.
// What differs between the two is handed in as a LocalBacking: where the index comes from, the
// upstream client, which revisions are in use, and where warnings go.
#include <functional>
#include <memory>
#include <string>

#include "config/settings.hpp"
#include "core/cache_layout.hpp"
#include "maintenance/gc.hpp"
#include "service/cache_service.hpp"

namespace hfcache::hub {
class HubClient;
}

namespace hfcache::service {

struct LocalBacking {
  core::CacheLayout layout;
  // The settings in force now (hfcached swaps them on SIGHUP).
  std::function<std::shared_ptr<const config::Settings>()> settings;
  // The index, opened but not refreshed; throws Error when it cannot be opened (a read-only
  // state_dir): ls and show then read the folder, the rest fails with that error.
  std::function<index::CacheIndex&()> index;
  // The upstream hub client for pulls and repair's listings; nullptr when offline.
  std::function<std::shared_ptr<hub::HubClient>()> upstream;
  // Revisions being served or pulled right now (empty: none, in-process): rm refuses them, gc skips them.
  maintenance::InUseFn in_use = {};
  // Something worth saying that does not stop the command (the index could not be updated, ...).
  std::function<void(const std::string&)> warn;
};

class LocalCacheService final : public CacheService {
 public:
  explicit LocalCacheService(LocalBacking backing);

  pull::PullResult pull(const pull::PullRequest& request, const PullObserver& observer) override;
  std::vector<index::IndexedRepo> list_repos() override;
  std::optional<index::IndexedRepo> find_repo(const core::RepoRef& repo) override;
  repair::RepairReport verify(const api::VerifyRequest& request) override;
  repair::RepairReport repair(const api::RepairRequest& request) override;
  api::RemoveAnswer remove(const api::RemoveRequest& request) override;
  api::GcAnswer gc(const api::GcRequest& request) override;
  api::PinAnswer pin(const api::PinRequest& request) override;
  api::ReindexAnswer reindex() override;

 private:
  // Bring the index up to date after a change; a failure is only a warning (the folder is the
  // truth, and the next command catches up).
  void refresh_index(const core::RepoRef& repo);
  // In use here (the caller's in_use) or by any process sharing the cache (core/revision_in_use.hpp).
  bool in_use_anywhere(const core::RepoRef& repo, const std::string& commit) const;
  void require_cache_folder() const;

  LocalBacking backing_;
};

}  // namespace hfcache::service
