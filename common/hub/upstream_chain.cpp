#include "hub/upstream_chain.hpp"

#include <algorithm>

namespace hfcache::hub {

UpstreamChain::UpstreamChain(std::vector<std::string> endpoints, Options options, ChangeHook on_change,
                             std::function<Clock::time_point()> now)
    : endpoints_(std::move(endpoints)),
      options_(options),
      on_change_(std::move(on_change)),
      now_(std::move(now)),
      entries_(endpoints_.size()) {}

std::vector<std::size_t> UpstreamChain::order() const {
  std::lock_guard lock(mutex_);
  auto now = now_();
  std::vector<std::size_t> first, later;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    (entries_[i].up || now >= entries_[i].retry_at ? first : later).push_back(i);
  }
  first.insert(first.end(), later.begin(), later.end());
  return first;
}

void UpstreamChain::succeeded(std::size_t i) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto& entry = entries_.at(i);
    changed = !entry.up;
    entry.up = true;
    entry.backoff = std::chrono::milliseconds{0};
    entry.last_error.clear();
  }
  if (changed && on_change_) on_change_(endpoints_[i], true, "");
}

void UpstreamChain::failed(std::size_t i, const std::string& why) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto& entry = entries_.at(i);
    auto now = now_();
    ++entry.failures;
    entry.last_error = why;
    // A call that was already in flight when another marked it down does not double the period.
    if (!entry.up && now < entry.retry_at) return;
    changed = entry.up;
    entry.backoff = entry.up ? options_.backoff : std::min(options_.max_backoff, entry.backoff * 2);
    entry.up = false;
    entry.retry_at = now + entry.backoff;
  }
  if (changed && on_change_) on_change_(endpoints_[i], false, why);
}

std::vector<UpstreamState> UpstreamChain::states() const {
  std::lock_guard lock(mutex_);
  auto now = now_();
  std::vector<UpstreamState> out;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& entry = entries_[i];
    UpstreamState state{endpoints_[i], entry.up, entry.last_error, 0, entry.failures};
    if (!entry.up && now < entry.retry_at) {
      state.down_for_s = std::chrono::ceil<std::chrono::seconds>(entry.retry_at - now).count();
    }
    out.push_back(std::move(state));
  }
  return out;
}

}  // namespace hfcache::hub
