#pragma once
// What every route handler of hfcached shares: the cache, its index, the upstream hub client, the
// counters and who uses which revision. The part SIGHUP may change (settings, upstream client,
// admin token) is an immutable Runtime swapped as a whole, so a request keeps a consistent view.
#include <memory>
#include <mutex>
#include <string>

#include "config/settings.hpp"
#include "core/cache_layout.hpp"
#include "metrics.hpp"
#include "usage_tracker.hpp"

namespace hfcache::hub {
class HubClient;
}
namespace hfcache::index {
class CacheIndex;
}

namespace hfcache::server {

class AccessCheck;

struct Runtime {
  config::Settings settings;
  std::shared_ptr<hub::HubClient> hub;  // null when offline (--offline / HF_HUB_OFFLINE=1)
  std::string admin_token;              // empty: none configured (then only loopback may administer)
  bool loopback_only = true;            // the listen address is a loopback address
  std::string tier_id;                  // this daemon's Via received-by (tiers: loop detection)
};

class DaemonContext {
 public:
  DaemonContext(core::CacheLayout cache, index::CacheIndex& idx) : layout(std::move(cache)), index(idx), usage(&layout) {}

  const core::CacheLayout layout;  // fixed for the life of the process
  index::CacheIndex& index;
  Metrics metrics;
  UsageTracker usage;
  // Who may read gated and private repos (access_check.hpp); null in unit tests that need none.
  std::shared_ptr<AccessCheck> access;

  std::shared_ptr<const Runtime> runtime() const {
    std::lock_guard lock(mutex_);
    return runtime_;
  }
  void set_runtime(std::shared_ptr<const Runtime> next) {
    std::lock_guard lock(mutex_);
    runtime_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Runtime> runtime_;
};

}  // namespace hfcache::server
