#include "http/retry_policy.hpp"

#include <algorithm>
#include <charconv>

#include "http/http_message.hpp"

namespace hfcache::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;


std::optional<long long> parse_nonnegative(std::string_view text) {
  text = trim_ows(text);
  if (text.empty()) return std::nullopt;
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Value of `key=` among `;`-separated parameters of one RateLimit item.
std::optional<long long> param(std::string_view item, std::string_view key) {
  std::size_t start = 0;
  while (start <= item.size()) {
    auto end = item.find(';', start);
    auto part = trim_ows(item.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (part.size() > key.size() && part.starts_with(key) && part[key.size()] == '=') {
      return parse_nonnegative(part.substr(key.size() + 1));
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

bool is_retryable_status(int status) {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

milliseconds backoff_delay(const RetryPolicy& policy, int retries_done) {
  auto delay = policy.base_backoff;
  for (int i = 0; i < retries_done && delay < policy.max_backoff; ++i) delay *= 2;
  return std::min(delay, policy.max_backoff);
}

RetryDecision decide_after_status(const RetryPolicy& policy, int retries_done, int status,
                                  const ServerWaitHints& hints) {
  if (!is_retryable_status(status) || retries_done >= policy.max_retries) return {};
  std::optional<seconds> server_wait;
  if (status == 429) server_wait = parse_ratelimit_reset(hints.ratelimit);
  if (!server_wait) server_wait = parse_retry_after(hints.retry_after);
  if (server_wait) {
    // huggingface_hub waits one second more than asked, so the window has surely reset.
    milliseconds wait = *server_wait + seconds(1);
    return {true, std::min(wait, policy.max_server_wait)};
  }
  return {true, backoff_delay(policy, retries_done)};
}

RetryDecision decide_after_network_error(const RetryPolicy& policy, int retries_done) {
  if (retries_done >= policy.max_retries) return {};
  return {true, backoff_delay(policy, retries_done)};
}

std::optional<seconds> parse_retry_after(std::string_view value) {
  auto n = parse_nonnegative(value);
  // More than a day is nonsense; treat it like an unparsable value rather than overflow.
  if (!n || *n > 86'400) return std::nullopt;
  return seconds(*n);
}

std::optional<seconds> parse_ratelimit_reset(std::string_view value) {
  // Items are comma-separated: `"api";r=0;t=55, "other";r=3;t=10`.
  std::size_t start = 0;
  while (start < value.size()) {
    auto end = value.find(',', start);
    auto item = value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto remaining = param(item, "r");
    auto reset = param(item, "t");
    if (remaining && *remaining == 0 && reset && *reset <= 86'400) return seconds(*reset);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace hfcache::http
