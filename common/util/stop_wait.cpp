#include "util/stop_wait.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace hfcache::util {

bool wait_or_stop(const std::stop_token& stop, std::chrono::milliseconds duration) {
  if (!stop.stop_possible()) {
    std::this_thread::sleep_for(duration);
    return false;
  }
  // A private mutex and condition: nothing notifies them but the stop request itself.
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  return wake.wait_for(lock, stop, duration, [] { return false; }) || stop.stop_requested();
}

}  // namespace hfcache::util
