#include "hub/call_limits.hpp"

#include <algorithm>

namespace hfcache::hub {

CallLimits CallLimits::within(std::chrono::milliseconds budget, Clock::time_point now) {
  CallLimits limits;
  limits.deadline = now + budget;
  limits.retry_unreachable = false;
  return limits;
}

CallLimits CallLimits::fail_fast() {
  CallLimits limits;
  limits.retry_unreachable = false;
  return limits;
}

std::optional<std::chrono::milliseconds> CallLimits::remaining(Clock::time_point now) const {
  if (!deadline) return std::nullopt;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now);
  return std::max(left, std::chrono::milliseconds{0});
}

bool CallLimits::expired(Clock::time_point now) const { return deadline && now >= *deadline; }

http::RetryDecision within_deadline(const http::RetryDecision& decision, const CallLimits& limits, CallLimits::Clock::time_point now) {
  if (!decision.retry) return decision;
  auto left = limits.remaining(now);
  if (left && decision.delay + min_attempt_time > *left) return {};
  return decision;
}

bool ends_call_at_once(const http::TransportError& error, const CallLimits& limits) {
  return !limits.retry_unreachable && error.kind == http::TransportError::Kind::connect;
}

}  // namespace hfcache::hub
