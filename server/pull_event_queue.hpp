#pragma once
// The events of one pull job on their way to one server-sent-events subscriber: the job's thread
// pushes, the HTTP thread streaming GET /v1/pulls/{id}/events waits and writes. Closed after the
// final `done` event; a subscriber that went away simply stops being pushed to.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "api/server_events.hpp"

namespace hfcache::server {

using PullEvent = api::ServerEvent;

class PullEventQueue {
 public:
  void push(PullEvent event);
  void close();
  // Wait up to `timeout` for events; `closed` is set once the queue is closed and nothing is left.
  std::vector<PullEvent> wait(std::chrono::milliseconds timeout, bool& closed);

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<PullEvent> events_;
  bool closed_ = false;
};

}  // namespace hfcache::server
