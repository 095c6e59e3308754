#pragma once
// The management API (docs/rest-api.md): /v1/... and /metrics. One register function per group of
// routes, each in its own file; register_api_routes() adds them all plus the admin check.
#include <atomic>
#include <chrono>
#include <string>

#include "service/local_cache_service.hpp"

namespace httplib {
class Server;
}

namespace hfcache::server {

class DaemonContext;
class PullJobs;

// What the API handlers share beyond the DaemonContext.
struct ApiServices {
  ApiServices(DaemonContext& context, PullJobs& pulls, std::string listen);

  DaemonContext& context;
  PullJobs& pulls;
  std::string listen;  // the address text health reports
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<bool> stopping{false};  // SIGTERM came: long streams (SSE) end
  // The same service `hfcache` runs in-process, on the daemon's index, upstream and usage tracker.
  service::LocalCacheService cache;
};

void register_api_routes(httplib::Server& http, ApiServices& api);

void register_health_routes(httplib::Server& http, ApiServices& api);   // /v1/health, /metrics
void register_repo_routes(httplib::Server& http, ApiServices& api);     // /v1/repos, /v1/path, /v1/pins, /v1/reindex
void register_pull_routes(httplib::Server& http, ApiServices& api);     // /v1/pulls
void register_maintenance_routes(httplib::Server& http, ApiServices& api);  // /v1/gc, /v1/verify, /v1/repair
void register_export_routes(httplib::Server& http, ApiServices& api);   // /v1/export

}  // namespace hfcache::server
