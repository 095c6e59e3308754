#pragma once
// The ordered upstreams of a tier (docs/interface.md "Tiers"): the hub, or site daemons in front of it.
// A call tries them in order; one that is unreachable or failing is marked down for a backoff period
// (doubling on each failed retry, up to a cap) and tried after the others until it answers again.
// Every up/down change is reported once through `on_change` (the daemon logs it and counts it).
// Thread-safe; the clock is injected for tests.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace hfcache::hub {

struct UpstreamState {
  std::string endpoint;
  bool up = true;
  std::string last_error;   // why it was marked down ("" while up)
  std::int64_t down_for_s = 0;  // seconds left before it is tried first again (0 when up or due)
  std::uint64_t failures = 0;   // calls that failed over from it, in total
};

class UpstreamChain {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::milliseconds backoff{10'000};       // first period a failed upstream is passed over
    std::chrono::milliseconds max_backoff{300'000};  // the doubling stops here
  };
  // (endpoint, now up, why) once per change.
  using ChangeHook = std::function<void(const std::string&, bool, const std::string&)>;

  UpstreamChain(std::vector<std::string> endpoints, Options options, ChangeHook on_change = {},
                std::function<Clock::time_point()> now = Clock::now);

  std::size_t size() const { return endpoints_.size(); }
  const std::string& endpoint(std::size_t i) const { return endpoints_[i]; }

  // The order to try them in: those up or whose backoff has passed, in configured order, then those
  // still backing off (so a call is never refused without trying), in configured order.
  std::vector<std::size_t> order() const;

  void succeeded(std::size_t i);
  void failed(std::size_t i, const std::string& why);

  std::vector<UpstreamState> states() const;

 private:
  struct Entry {
    bool up = true;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};
    std::string last_error;
    std::uint64_t failures = 0;
  };
  std::vector<std::string> endpoints_;
  Options options_;
  ChangeHook on_change_;
  std::function<Clock::time_point()> now_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace hfcache::hub
