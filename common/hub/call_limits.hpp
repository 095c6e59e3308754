#pragma once
// Limits a caller puts on one hub call as a whole: every attempt, redirect and retry wait. The mirror
// answers a request from the cache when the upstream is slow or gone, so a call it could answer
// without must end by a deadline, and a refused connection or a failed name look-up must end it at
// once instead of walking the 1, 2, 4, 8, 8 s retry schedule. Pure decisions; HubClient applies them.
#include <chrono>
#include <optional>
#include <string>

#include "core/errors.hpp"
#include "http/http_message.hpp"
#include "http/retry_policy.hpp"

namespace hfcache::hub {

struct CallLimits {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;  // the call gives up by then (DeadlineExceeded); none: no limit
  bool retry_unreachable = true;              // false: refused, unreachable or unresolved fails at once
  // Retries at most (of a 5xx, 429 or network error); none: the client's max_retries. A tier that is
  // not the last one left gets 0, so a failing upstream hands over to the next at once.
  std::optional<int> max_retries;

  // A call that must end `budget` from `now` and gives up at once on an unreachable upstream.
  static CallLimits within(std::chrono::milliseconds budget, Clock::time_point now = Clock::now());
  // A call without deadline that still gives up at once on an unreachable upstream.
  static CallLimits fail_fast();

  // Time left before the deadline (zero once passed); nullopt without a deadline.
  std::optional<std::chrono::milliseconds> remaining(Clock::time_point now = Clock::now()) const;
  bool expired(Clock::time_point now = Clock::now()) const;
};

// An attempt needs at least this much time to be worth starting after a retry wait.
inline constexpr std::chrono::milliseconds min_attempt_time{100};

// `decision` kept when its wait and one more attempt fit before the deadline; no retry otherwise.
http::RetryDecision within_deadline(const http::RetryDecision& decision, const CallLimits& limits,
                              CallLimits::Clock::time_point now = CallLimits::Clock::now());

// A transport error that ends the call without any retry: the host cannot be reached at all
// (refused, unreachable, name not resolved) and the caller asked not to wait for it.
bool ends_call_at_once(const http::TransportError& error, const CallLimits& limits);

// Thrown when a call's deadline passed before an answer came; the upstream may still be alive, only
// slow, so callers that fell back to the cache may ask again in the background.
struct DeadlineExceeded : OfflineError {
  explicit DeadlineExceeded(const std::string& what)
      : OfflineError(what, "the upstream is slow or stalled; the cache answers meanwhile") {}
};

}  // namespace hfcache::hub
