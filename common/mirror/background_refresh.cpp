#include "mirror/background_refresh.hpp"

#include <spdlog/spdlog.h>

namespace hfcache::mirror {

BackgroundRefresh::~BackgroundRefresh() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool BackgroundRefresh::submit(const std::string& key, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || keys_.count(key) || queue_.size() >= max_queued_) return false;
    keys_.insert(key);
    queue_.emplace_back(key, std::move(task));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  changed_.notify_all();
  return true;
}

std::size_t BackgroundRefresh::pending() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

void BackgroundRefresh::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return keys_.empty() || stopping_; });
}

void BackgroundRefresh::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    auto [key, task] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::info("mirror: background refresh {} failed: {}", key, e.what());
    }
    lock.lock();
    keys_.erase(key);
    changed_.notify_all();
  }
  keys_.clear();
  changed_.notify_all();
}

}  // namespace hfcache::mirror
