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

namespace hfcache::server {

struct PullEvent {
  std::string name;  // "progress" or "done"
  std::string data;  // one line of JSON
};

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

// "event: NAME\ndata: DATA\n\n"
std::string format_sse(const PullEvent& event);

}  // namespace hfcache::server
