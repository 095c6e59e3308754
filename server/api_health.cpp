// GET /v1/health and GET /metrics.
#include <httplib.h>

#include "api/health.hpp"
#include "api/routes.hpp"
#include "api_response.hpp"
#include "api_routes.hpp"
#include "daemon_context.hpp"
#include "index/cache_index.hpp"
#include "pull_jobs.hpp"

namespace hfcache::server {

void register_health_routes(httplib::Server& http, ApiServices& api) {
  http.Get(api::routes::health, [&api](const httplib::Request&, httplib::Response& res) {
    auto runtime = api.context.runtime();
    api::Health health;
    health.status = api.stopping ? "stopping" : "ok";
    health.version = "0.1.0";
    health.cache_dir = api.context.layout.root().string();
    health.endpoint = runtime->settings.endpoint;
    health.offline = runtime->hub == nullptr;
    health.listen = api.listen;
    health.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - api.started).count();
    health.active_pulls = api.pulls.active();
    health.repos = api.context.index.repo_count();  // one COUNT: the CLI probes health with a short timeout
    health.admin_token = !runtime->admin_token.empty();
    send_json(res, 200, api::to_json(health));
  });

  http.Get(api::routes::metrics, [&api](const httplib::Request&, httplib::Response& res) {
    res.set_content(api.context.metrics.render(api.context.index.total_size(), api.context.index.repo_count(), api.pulls.active()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace hfcache::server
