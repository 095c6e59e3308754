#pragma once
// What the hfcache commands ask of a cache, written once for both ways of answering: in-process
// (LocalCacheService, the domain called directly) or by a running hfcached (DaemonCacheService,
// HTTP+JSON through the api types). Every method throws the typed errors of core/errors.hpp, the
// same ones either way, so a command exits alike with and without a daemon.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/check_calls.hpp"
#include "api/gc_call.hpp"
#include "api/pin_call.hpp"
#include "api/removal.hpp"
#include "index/cache_index.hpp"
#include "pull/puller.hpp"
#include "repair/repair.hpp"

namespace hfcache::service {

// What a pull tells its caller while it runs.
struct PullObserver {
  pull::ProgressFn progress;
  // The daemon at `daemon_url` took the pull as job `id` (never called in-process): from here on
  // the pull goes on without the caller, so the CLI may detach.
  std::function<void(const std::string& id, const std::string& daemon_url)> on_job = {};
};

class CacheService {
 public:
  virtual ~CacheService() = default;
  // True for hfcached (which checks the caller's token itself), false in-process.
  virtual bool via_daemon() const { return false; }

  virtual pull::PullResult pull(const pull::PullRequest& request, const PullObserver& observer) = 0;

  // The cached repos (revisions counted, no file lists), and one repo with its files (nullopt: not cached).
  virtual std::vector<index::IndexedRepo> list_repos() = 0;
  virtual std::optional<index::IndexedRepo> find_repo(const core::RepoRef& repo) = 0;

  virtual repair::RepairReport verify(const api::VerifyRequest& request) = 0;
  virtual repair::RepairReport repair(const api::RepairRequest& request) = 0;
  virtual api::RemoveAnswer remove(const api::RemoveRequest& request) = 0;
  virtual api::GcAnswer gc(const api::GcRequest& request) = 0;
  virtual api::PinAnswer pin(const api::PinRequest& request) = 0;
  virtual api::ReindexAnswer reindex() = 0;
};

}  // namespace hfcache::service
