#include "mirror/ref_memo.hpp"

namespace hfcache::mirror {

std::optional<std::string> RefMemo::get(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.second) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.first;
}

void RefMemo::put(const std::string& key, std::string commit, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries) entries_.clear();
  entries_[key] = {std::move(commit), now + ttl_};
}

}  // namespace hfcache::mirror
