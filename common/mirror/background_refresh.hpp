#pragma once
// Upstream questions a mirror request could not wait for, asked again off the request path: when a
// call with a fallback ran out of its short deadline, the cache answered and the same question goes
// here, with more time, so the next request finds the fresh answer. One question per key (a repo's
// revision, a listing, refs) at a time, at most `max_queued` waiting, and one thread for all of them:
// a stalled upstream costs one blocked thread, never one per request.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace hfcache::mirror {

class BackgroundRefresh {
 public:
  explicit BackgroundRefresh(std::size_t max_queued = 64) : max_queued_(max_queued) {}
  // Drops what still waits and joins the thread; the task running ends by its own deadline.
  ~BackgroundRefresh();
  BackgroundRefresh(const BackgroundRefresh&) = delete;
  BackgroundRefresh& operator=(const BackgroundRefresh&) = delete;

  // Queue `task` under `key`; false (nothing queued) when that key is queued or running already, or
  // the queue is full. The thread starts with the first task. Exceptions from a task are swallowed.
  bool submit(const std::string& key, std::function<void()> task);

  std::size_t pending() const;  // queued plus running
  // Block until nothing is queued or running (tests).
  void wait_idle();

 private:
  void run();

  const std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<std::string, std::function<void()>>> queue_;
  std::set<std::string> keys_;  // queued or running
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hfcache::mirror
