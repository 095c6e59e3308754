#pragma once
// A short-lived memory of what branches and tags resolved to, so the many requests of one
// snapshot_download or from_pretrained do not each ask upstream. Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace hfcache::mirror {

class RefMemo {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RefMemo(std::chrono::milliseconds ttl) : ttl_(ttl) {}

  std::optional<std::string> get(const std::string& key, Clock::time_point now = Clock::now());
  void put(const std::string& key, std::string commit, Clock::time_point now = Clock::now());

 private:
  // Entries beyond this are dropped wholesale (expired or not): a memo, not a store.
  static constexpr std::size_t max_entries = 4096;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, Clock::time_point>> entries_;  // key -> commit, expiry
};

}  // namespace hfcache::mirror
