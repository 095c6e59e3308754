#pragma once
// The CacheService answered by a running hfcached over its management API (docs/rest-api.md): each
// method is one call through a DaemonTransport, with the request and answer types of common/api.
// A pull is a job in the daemon: its progress events drive the observer, and when the event stream
// breaks the job is polled instead; the job goes on if the caller leaves (Ctrl-C detaches).
// Errors come back as the typed errors the daemon's {"error": {...}} names; an answer this client
// cannot read is an Error (exit 1) that says so.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "api/health.hpp"
#include "api/pull_job.hpp"
#include "service/cache_service.hpp"
#include "service/daemon_transport.hpp"

namespace hfcache::service {

class DaemonCacheService final : public CacheService {
 public:
  explicit DaemonCacheService(std::unique_ptr<DaemonTransport> transport);

  const std::string& base_url() const { return transport_->base_url(); }
  bool via_daemon() const override { return true; }
  // GET /v1/health; nullopt when nothing answers, or something that is not hfcached.
  std::optional<api::Health> health();
  // GET /metrics (Prometheus text); nullopt when it is not answered.
  std::optional<std::string> metrics();

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
  // One call: the JSON answer when it is 2xx, else the typed error it carries (with `missing_ok`, a
  // 404 answers null). `what` names the call in messages ("gc", "deleting hfl/rbt3").
  nlohmann::json call(std::string_view method, const api::Target& target, const nlohmann::json* body,
                      const std::string& what, bool missing_ok = false);
  api::PullJob poll_until_finished(const std::string& id, const pull::ProgressFn& progress);

  std::unique_ptr<DaemonTransport> transport_;
};

}  // namespace hfcache::service
