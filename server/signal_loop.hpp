#pragma once
// SIGTERM, SIGINT and SIGHUP handled by a thread that waits for them with sigwait(): the work they
// trigger (stopping the HTTP server, reloading the config) then runs as ordinary code, never inside
// a signal handler. block_daemon_signals() must run in main before any other thread starts, so
// every thread inherits the mask and the signals reach only the waiting thread.
#include <atomic>
#include <functional>
#include <thread>

namespace hfcache::server {

void block_daemon_signals();

class SignalLoop {
 public:
  // `on_stop` runs once for the first SIGTERM/SIGINT (the thread then ends); `on_reload` per SIGHUP.
  SignalLoop(std::function<void()> on_stop, std::function<void()> on_reload);
  ~SignalLoop();  // ends the thread (sends itself SIGTERM if no stop signal came yet)
  SignalLoop(const SignalLoop&) = delete;
  SignalLoop& operator=(const SignalLoop&) = delete;

 private:
  void run();
  std::function<void()> on_stop_, on_reload_;
  std::atomic<bool> stop_received_{false};
  std::atomic<bool> stopping_{false};  // set by the destructor before it wakes the thread
  std::thread thread_;                 // last: starts once the flags above exist
};

}  // namespace hfcache::server
