// hfcache status: the state of the running hfcached (GET /v1/health and a few /metrics figures).
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "progress_bar.hpp"
#include "service/daemon_locator.hpp"

namespace hfcache::cli {
namespace {

using nlohmann::json;

constexpr const char* usage =
    "usage: hfcache status [--daemon URL] [--json] [--config FILE]\n"
    "\n"
    "Shows the running hfcached: address, version, cache folder, upstream, uptime, pulls and traffic.\n"
    "The daemon is looked for at --daemon URL, else HFCACHE_URL (daemon_url), else the listen address\n"
    "of the config (127.0.0.1:8765). Exit 5 when no daemon answers there.\n";

// Prometheus text format: "name{labels} value" lines, summed over labels; comments skipped.
std::map<std::string, double> parse_metrics(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    auto name = line.substr(0, std::min(line.find('{'), space));
    try {
      out[name] += std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
      // Not a sample line; skip it.
    }
  }
  return out;
}

std::string duration(std::int64_t seconds) {
  char buf[64];
  if (seconds >= 86400)
    std::snprintf(buf, sizeof buf, "%lldd %02lldh", static_cast<long long>(seconds / 86400), static_cast<long long>(seconds / 3600 % 24));
  else if (seconds >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60));
  else
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(seconds / 60), static_cast<long long>(seconds % 60));
  return buf;
}

std::string count(const std::map<std::string, double>& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? "?" : std::to_string(static_cast<long long>(it->second));
}

std::string bytes(const std::map<std::string, double>& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? "?" : ProgressBar::human_bytes(it->second);
}

void print_status(const std::string& url, const api::Health& health, const std::map<std::string, double>& metrics) {
  auto text = [](const std::string& value) { return value.empty() ? std::string("?") : value; };
  std::printf("hfcached %s at %s (listening on %s)\n", text(health.version).c_str(), url.c_str(), text(health.listen).c_str());
  std::printf("cache:        %s (%zu repo(s)", text(health.cache_dir).c_str(), health.repos);
  if (metrics.count("hfcache_cache_size_bytes")) std::printf(", %s", bytes(metrics, "hfcache_cache_size_bytes").c_str());
  std::printf(")\n");
  if (health.upstreams.size() <= 1) {
    std::printf("upstream:     %s (%s)\n", text(health.endpoint).c_str(), health.offline ? "offline: cache only" : "online");
  } else {
    std::printf("upstreams:    %zu tiers, tried in order (this tier: %s)\n", health.upstreams.size(), text(health.tier_id).c_str());
  }
  for (const auto& u : health.upstreams) {
    if (health.upstreams.size() <= 1 && u.up) break;
    if (u.up) std::printf("  %-40s up\n", u.endpoint.c_str());
    else
      std::printf("  %-40s DOWN (tried first again in %llds): %s\n", u.endpoint.c_str(),
                  static_cast<long long>(u.down_for_s), u.last_error.c_str());
  }
  std::printf("uptime:       %s\n", duration(health.uptime_s).c_str());
  std::printf("active pulls: %zu", health.active_pulls);
  if (!metrics.empty())
    std::printf(" (%s started, %s failed since start)", count(metrics, "hfcache_pulls_started_total").c_str(),
                count(metrics, "hfcache_pulls_failed_total").c_str());
  std::printf("\n");
  if (!metrics.empty()) {
    std::printf("requests:     %s (cache hits %s, misses %s; %s answered 4xx/5xx)\n", count(metrics, "hfcache_requests_total").c_str(),
                count(metrics, "hfcache_cache_hits_total").c_str(), count(metrics, "hfcache_cache_misses_total").c_str(),
                count(metrics, "hfcache_responses_total").c_str());
    std::printf("traffic:      %s served, %s from upstream (%s requests, %s failed)\n",
                bytes(metrics, "hfcache_bytes_served_total").c_str(), bytes(metrics, "hfcache_upstream_bytes_total").c_str(),
                count(metrics, "hfcache_upstream_requests_total").c_str(), count(metrics, "hfcache_upstream_errors_total").c_str());
  }
  std::printf("admin calls:  %s\n", health.admin_token ? "need the admin token (HFCACHE_ADMIN_TOKEN)"
                                                       : "open to local users (no admin token configured)");
}

}  // namespace

int cmd_status(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"daemon", true}, {"json"}});
  auto args = parse_args(argv, specs, "status");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("status takes no arguments", usage);
  auto settings = settings_from(args);
  auto daemon = service::daemon_at(args.value("daemon"), settings);
  auto health = daemon->health();
  if (!health)
    throw OfflineError("no hfcached answers at " + daemon->base_url(),
                       "start it (systemctl start hfcached, or run hfcached); if it listens elsewhere, give --daemon URL "
                       "or set HFCACHE_URL");
  std::map<std::string, double> metrics;
  try {
    if (auto text = daemon->metrics()) metrics = parse_metrics(*text);
  } catch (const Error&) {
    // The daemon answered /v1/health a moment ago; without metrics the status is still worth showing.
  }
  if (args.has("json")) {
    json m = json::object();
    for (const auto& [name, value] : metrics) m[name] = value;
    std::cout << json{{"url", daemon->base_url()}, {"health", api::to_json(*health)}, {"metrics", m}}.dump(2) << "\n";
  } else {
    print_status(daemon->base_url(), *health, metrics);
  }
  return 0;
}

}  // namespace hfcache::cli
