#include "pull_event_queue.hpp"

namespace hfcache::server {

// A subscriber that stopped reading must not grow the queue without bound: past this many
// undelivered events the oldest progress events are dropped (the final `done` never is).
constexpr std::size_t max_queued_events = 4096;

void PullEventQueue::push(PullEvent event) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (events_.size() >= max_queued_events && events_.front().name == api::progress_event) events_.pop_front();
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

void PullEventQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  cv_.notify_all();
}

std::vector<PullEvent> PullEventQueue::wait(std::chrono::milliseconds timeout, bool& closed) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [this] { return closed_ || !events_.empty(); });
  std::vector<PullEvent> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
  events_.clear();
  closed = closed_;
  return out;
}

}  // namespace hfcache::server
