#pragma once
// When to retry a hub request and how long to wait first (huggingface_hub _http_backoff_base):
// 408, 429, 500, 502, 503, 504 and network errors are retried at most `max_retries` times, waiting
// base * 2^n capped at max_backoff, or what the server asks for (Retry-After, RateLimit) plus 1 s,
// capped at max_server_wait. Pure decisions; the caller sleeps.
#include <chrono>
#include <optional>
#include <string_view>

namespace hfcache::http {

struct RetryPolicy {
  int max_retries = 5;
  std::chrono::milliseconds base_backoff{1'000};
  std::chrono::milliseconds max_backoff{8'000};
  // A server asking for an hour must not hang a download for an hour.
  std::chrono::milliseconds max_server_wait{60'000};
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
};

// What the server said about waiting, from response headers (empty when absent).
struct ServerWaitHints {
  std::string_view retry_after;  // Retry-After (only the integer-seconds form is understood)
  std::string_view ratelimit;    // RateLimit, e.g. `"api";r=0;t=55`
};

bool is_retryable_status(int status);

// `retries_done`: how many retries already happened for this request (0 after the first attempt).
RetryDecision decide_after_status(const RetryPolicy& policy, int retries_done, int status,
                                  const ServerWaitHints& hints = {});
RetryDecision decide_after_network_error(const RetryPolicy& policy, int retries_done);

// base * 2^retries_done, capped at max_backoff.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retries_done);

// Integer seconds of a Retry-After value; nullopt for HTTP dates, negatives and garbage.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);
// Seconds until the window resets when the RateLimit header says nothing remains (r=0).
std::optional<std::chrono::seconds> parse_ratelimit_reset(std::string_view value);

}  // namespace hfcache::http
