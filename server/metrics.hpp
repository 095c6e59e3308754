#pragma once
// Counters for GET /metrics (Prometheus text format). Lock-free: every request thread bumps them.
#include <atomic>
#include <cstdint>
#include <string>

namespace hfcache::server {

struct Metrics {
  std::atomic<std::uint64_t> requests_mirror{0};     // hub-compatible routes
  std::atomic<std::uint64_t> requests_api{0};        // /v1/...
  std::atomic<std::uint64_t> requests_fast_lane{0};  // mirror requests answered on an event loop (of requests_mirror)
  std::atomic<std::uint64_t> responses_4xx{0}, responses_5xx{0};
  std::atomic<std::uint64_t> bytes_served{0};        // body bytes sent to clients
  std::atomic<std::uint64_t> cache_hits{0};          // file requests answered from blobs/ alone
  std::atomic<std::uint64_t> cache_misses{0};        // file requests that needed upstream
  std::atomic<std::uint64_t> upstream_bytes{0};      // body bytes received from upstream
  std::atomic<std::uint64_t> upstream_requests{0};
  std::atomic<std::uint64_t> upstream_errors{0};     // upstream unreachable or 5xx after retries
  std::atomic<std::uint64_t> errors{0};              // requests that ended in an internal error
  std::atomic<std::uint64_t> pulls_started{0}, pulls_failed{0};

  // The text of GET /metrics; `cache_bytes`/`cache_repos` come from the index.
  std::string render(std::uint64_t cache_bytes, std::uint64_t cache_repos, std::uint64_t active_pulls) const;
};

}  // namespace hfcache::server
