// GET /v1/health and GET /metrics.
#include <httplib.h>

#include "api/health.hpp"
#include "api/routes.hpp"
#include "api_response.hpp"
#include "api_routes.hpp"
#include "daemon_context.hpp"
#include "hub/hub_client.hpp"
#include "index/cache_index.hpp"
#include "pull_jobs.hpp"

namespace hfcache::server {
namespace {

// Per tier: up or down now, and how many calls failed over from it (the tier changes are also logged).
std::string upstream_metrics(const std::vector<hub::UpstreamState>& states) {
  std::string out =
      "# HELP hfcache_upstream_up 1 while the upstream tier is used, 0 while it is passed over after failing\n"
      "# TYPE hfcache_upstream_up gauge\n";
  auto label = [](const std::string& endpoint) {
    std::string escaped;
    for (char c : endpoint) {
      if (c == '\\' || c == '"') escaped += '\\';
      escaped += c == '\n' ? ' ' : c;
    }
    return "{endpoint=\"" + escaped + "\"}";
  };
  for (const auto& s : states) out += "hfcache_upstream_up" + label(s.endpoint) + (s.up ? " 1\n" : " 0\n");
  out += "# HELP hfcache_upstream_failovers_total calls that failed on the upstream tier and went to the next\n"
         "# TYPE hfcache_upstream_failovers_total counter\n";
  for (const auto& s : states)
    out += "hfcache_upstream_failovers_total" + label(s.endpoint) + " " + std::to_string(s.failures) + "\n";
  return out;
}

}  // namespace

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
    health.tier_id = runtime->tier_id;
    if (runtime->hub) {
      for (const auto& u : runtime->hub->upstreams())
        health.upstreams.push_back({u.endpoint, u.up, u.down_for_s, u.last_error});
    }
    send_json(res, 200, api::to_json(health));
  });

  http.Get(api::routes::metrics, [&api](const httplib::Request&, httplib::Response& res) {
    auto text = api.context.metrics.render(api.context.index.total_size(), api.context.index.repo_count(), api.pulls.active());
    if (auto runtime = api.context.runtime(); runtime && runtime->hub) text += upstream_metrics(runtime->hub->upstreams());
    res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace hfcache::server
