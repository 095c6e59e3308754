// GET /v1/health and GET /metrics.
#include <httplib.h>

#include "api_response.hpp"
#include "api_routes.hpp"
#include "daemon_context.hpp"
#include "index/cache_index.hpp"
#include "pull_jobs.hpp"

namespace hfcache::server {

void register_health_routes(httplib::Server& http, ApiServices& api) {
  http.Get("/v1/health", [&api](const httplib::Request&, httplib::Response& res) {
    auto runtime = api.context.runtime();
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - api.started);
    send_json(res, 200,
              {{"status", api.stopping ? "stopping" : "ok"},
               {"version", "0.1.0"},
               {"cache_dir", api.context.layout.root().string()},
               {"endpoint", runtime->settings.endpoint},
               {"offline", runtime->hub == nullptr},
               {"listen", api.listen},
               {"uptime_s", uptime.count()},
               {"active_pulls", api.pulls.active()},
               {"repos", api.context.index.repo_count()},  // one COUNT: the CLI probes health with a short timeout
               {"admin_token", !runtime->admin_token.empty()}});
  });

  http.Get("/metrics", [&api](const httplib::Request&, httplib::Response& res) {
    res.set_content(api.context.metrics.render(api.context.index.total_size(), api.context.index.repo_count(), api.pulls.active()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace hfcache::server
