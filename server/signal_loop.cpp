#include "signal_loop.hpp"

#include <pthread.h>
#include <signal.h>

namespace hfcache::server {
namespace {

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_daemon_signals() {
  sigset_t set = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client that hangs up mid-stream must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
}

SignalLoop::SignalLoop(std::function<void()> on_stop, std::function<void()> on_reload)
    : on_stop_(std::move(on_stop)), on_reload_(std::move(on_reload)), thread_([this] { run(); }) {}

SignalLoop::~SignalLoop() {
  if (!stop_received_.load()) {
    stopping_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM);
  }
  thread_.join();
}

void SignalLoop::run() {
  sigset_t set = daemon_signals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      if (on_reload_) on_reload_();
      continue;
    }
    stop_received_ = true;
    if (!stopping_ && on_stop_) on_stop_();
    return;
  }
}

}  // namespace hfcache::server
