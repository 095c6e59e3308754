#include "metrics.hpp"

namespace hfcache::server {
namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value,
            const char* labels = nullptr) {
  if (help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  }
  out += name;
  if (labels) out += labels;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

std::string Metrics::render(std::uint64_t cache_bytes, std::uint64_t cache_repos, std::uint64_t active_pulls) const {
  std::string out;
  out.reserve(2048);
  metric(out, "hfcache_requests_total", "counter", "HTTP requests by kind of route", requests_mirror.load(), "{kind=\"mirror\"}");
  metric(out, "hfcache_requests_total", "counter", nullptr, requests_api.load(), "{kind=\"api\"}");
  metric(out, "hfcache_fast_lane_requests_total", "counter",
         "mirror requests for cached files answered on an event loop without a worker thread", requests_fast_lane.load());
  metric(out, "hfcache_responses_total", "counter", "HTTP error responses by status class", responses_4xx.load(), "{class=\"4xx\"}");
  metric(out, "hfcache_responses_total", "counter", nullptr, responses_5xx.load(), "{class=\"5xx\"}");
  metric(out, "hfcache_bytes_served_total", "counter", "body bytes sent to clients", bytes_served.load());
  metric(out, "hfcache_cache_hits_total", "counter", "file requests answered from the cache alone", cache_hits.load());
  metric(out, "hfcache_cache_misses_total", "counter", "file requests that needed the upstream", cache_misses.load());
  metric(out, "hfcache_upstream_bytes_total", "counter", "body bytes received from the upstream", upstream_bytes.load());
  metric(out, "hfcache_upstream_requests_total", "counter", "requests sent to the upstream", upstream_requests.load());
  metric(out, "hfcache_upstream_errors_total", "counter", "upstream unreachable or failing after retries", upstream_errors.load());
  metric(out, "hfcache_errors_total", "counter", "requests that ended in an internal error", errors.load());
  metric(out, "hfcache_pulls_started_total", "counter", "pull jobs started", pulls_started.load());
  metric(out, "hfcache_pulls_failed_total", "counter", "pull jobs that failed", pulls_failed.load());
  metric(out, "hfcache_active_pulls", "gauge", "pull jobs queued or running", active_pulls);
  metric(out, "hfcache_cache_size_bytes", "gauge", "bytes of blobs in the cache (as scan_cache_dir counts)", cache_bytes);
  metric(out, "hfcache_cache_repos", "gauge", "repos in the cache", cache_repos);
  return out;
}

}  // namespace hfcache::server
