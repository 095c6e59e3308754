#include "util/background_consumer.hpp"

#include <utility>

namespace hfcache::util {

BackgroundConsumer::BackgroundConsumer(Consume consume) : consume_(std::move(consume)), thread_([this] { run(); }) {}

BackgroundConsumer::~BackgroundConsumer() {
  {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return !busy_; });  // a failure no one asked for is dropped
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundConsumer::submit(const char* data, std::size_t size) {
  {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return !busy_; });
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    data_ = data;
    size_ = size;
    busy_ = true;
  }
  cv_.notify_all();
}

void BackgroundConsumer::drain() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return !busy_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void BackgroundConsumer::reset() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return !busy_; });
  error_ = nullptr;
}

void BackgroundConsumer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return busy_ || stop_; });
    if (!busy_) return;  // stopping, nothing in hand
    lock.unlock();  // what consume_ touches is this thread's alone while busy_
    std::exception_ptr error;
    try {
      consume_(data_, size_);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    error_ = error;
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace hfcache::util
