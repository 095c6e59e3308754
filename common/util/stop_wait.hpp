#pragma once
// A sleep that a stop request ends early: the daemon's retry back-offs and polling loops wait
// here, so SIGTERM is not held up by a "retrying in 8 s".
#include <chrono>
#include <stop_token>

namespace hfcache::util {

// Wait `duration`, or less if `stop` is requested first. True when stopped.
bool wait_or_stop(const std::stop_token& stop, std::chrono::milliseconds duration);

}  // namespace hfcache::util
