#pragma once
// hfcached as one object: the cache index, the DaemonContext, the pull jobs and the HTTP server,
// plus what signals do to them. run() serves until stop(); stop() drains (no new connections,
// in-flight requests get shutdown_grace_s, pull jobs are cancelled so their .incomplete files stay
// resumable); reload() re-reads the config file and swaps the Runtime (settings, upstream client,
// admin token). The cache folder and listen address are fixed for the life of the process.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "config/settings.hpp"
#include "listen_address.hpp"

namespace hfcache::index {
class CacheIndex;
}

namespace hfcache::server {

class DaemonContext;
class HttpFront;
class HttplibEngine;
class PullJobs;
struct ApiServices;

class Daemon {
 public:
  // Opens the index and builds the first Runtime; throws the typed errors of core/errors.hpp
  // (UsageError for a bad listen address or an unreadable admin token file).
  Daemon(config::FlagValues flags, std::optional<std::string> config_file, config::Settings settings);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Bind, tell systemd READY=1, serve until stop(). Returns the exit code.
  int run();
  // From the signal thread: begin the drain. Idempotent.
  void stop();
  // From the signal thread (SIGHUP).
  void reload();

 private:
  void wait_for_drain();
  // The prefetch setting: each revision queued as a pull job that pins it when done.
  void prefetch(const config::Settings& settings);

  config::FlagValues flags_;
  std::optional<std::string> config_file_;
  ListenAddress listen_;
  std::unique_ptr<index::CacheIndex> index_;
  std::unique_ptr<DaemonContext> context_;
  std::unique_ptr<PullJobs> pulls_;
  std::unique_ptr<ApiServices> api_;
  std::unique_ptr<HttplibEngine> http_;  // routes and handlers (cpp-httplib)
  std::unique_ptr<HttpFront> front_;     // the sockets: epoll loops, fast lane, workers
  std::mutex mutex_;
  std::condition_variable drained_;
  bool serving_done_ = false;
  std::atomic<bool> stop_requested_{false};
  // The daemon-wide stop: handed to the hub client of every Runtime, requested by stop().
  std::stop_source stop_;
};

// The spdlog level for a settings value ("info", "debug", ...); throws UsageError on anything else.
void apply_log_level(const std::string& level);

}  // namespace hfcache::server
