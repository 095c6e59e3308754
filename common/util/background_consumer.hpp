#pragma once
// One function fed buffer after buffer on a thread of its own, so that a checksum or hash of a byte
// stream overlaps the caller's reads and writes of the same bytes (on one thread, an import's two
// hashes or a zip's CRC-32 add their whole time to the copy's).
//
// The caller must leave a buffer unchanged until the next submit() or drain() returns: two buffers
// used in turn keep both threads busy. One thread serves the consumer's whole life.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace hfcache::util {

class BackgroundConsumer {
 public:
  using Consume = std::function<void(const char* data, std::size_t size)>;
  explicit BackgroundConsumer(Consume consume);
  ~BackgroundConsumer();  // waits for the buffer in hand, then ends the thread
  BackgroundConsumer(const BackgroundConsumer&) = delete;
  BackgroundConsumer& operator=(const BackgroundConsumer&) = delete;

  // Waits until the previous buffer is consumed, then consumes this one in the background.
  // Rethrows what the consume function threw for an earlier buffer (here or in drain()).
  void submit(const char* data, std::size_t size);
  // Waits until the last buffer is consumed (then whatever it wrote may be read); rethrows as submit().
  void drain();
  // Waits, and forgets a failure: for a new stream after one abandoned half-way.
  void reset();

 private:
  void run();

  Consume consume_;
  std::mutex mutex_;
  std::condition_variable cv_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  bool busy_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: started once the state above exists
};

}  // namespace hfcache::util
