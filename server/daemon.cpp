#include "daemon.hpp"

#include <sys/socket.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "access_check.hpp"
#include "api_routes.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"
#include "daemon_context.hpp"
#include "http_front.hpp"
#include "httplib_engine.hpp"
#include "index/cache_index.hpp"
#include "mirror_routes.hpp"
#include "pull_jobs.hpp"
#include "request_hooks.hpp"
#include "runtime_builder.hpp"
#include "systemd_notify.hpp"

namespace hfcache::server {

namespace fs = std::filesystem;

void apply_log_level(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  // from_str answers "off" for anything it does not know.
  if (parsed == spdlog::level::off && level != "off")
    throw UsageError("bad log_level '" + level + "'", "use trace, debug, info, warn or error");
  spdlog::set_level(parsed);
}

Daemon::Daemon(config::FlagValues flags, std::optional<std::string> config_file, config::Settings settings)
    : flags_(std::move(flags)), config_file_(std::move(config_file)), listen_(parse_listen_address(settings.listen)) {
  apply_log_level(settings.log_level);
  auto runtime = build_runtime(settings, listen_, stop_.get_token());
  std::error_code ec;
  fs::create_directories(settings.cache_dir, ec);
  if (ec)
    throw Error(ExitCode::failure, "cannot create the cache folder " + settings.cache_dir.string() + ": " + ec.message(),
                "check the path and that the daemon's user may write there (cache_dir)");
  fs::create_directories(settings.state_dir, ec);
  if (ec)
    throw Error(ExitCode::failure, "cannot create the state folder " + settings.state_dir.string() + ": " + ec.message(),
                "check the path and that the daemon's user may write there (state_dir)");
  core::CacheLayout layout(settings.cache_dir);
  index_ = std::make_unique<index::CacheIndex>(layout, index::CacheIndex::default_path(settings.state_dir));
  context_ = std::make_unique<DaemonContext>(layout, *index_);
  access::AccessOptions access_options;
  access_options.grant_ttl = std::chrono::seconds(settings.access_grant_ttl_s);
  access_options.deny_ttl = std::chrono::seconds(settings.access_deny_ttl_s);
  access_options.offline_grace = std::chrono::seconds(settings.access_offline_grace_s);
  access_options.restriction_ttl = std::max(access_options.grant_ttl, std::chrono::seconds(60));
  context_->access = std::make_shared<AccessCheck>(settings.state_dir, index::CacheIndex::default_path(settings.state_dir),
                                                   access_options, settings.cache_dir);
  context_->set_runtime(runtime);
  pulls_ = std::make_unique<PullJobs>(*context_, settings.max_concurrent_pulls);
  api_ = std::make_unique<ApiServices>(*context_, *pulls_, listen_.text());
  if (!listen_.loopback && runtime->admin_token.empty())
    spdlog::warn("listening on {} (not loopback) without admin_token_file: admin calls (pull, rm, gc, repair, pins) "
                 "are refused; set admin_token_file to allow them",
                 listen_.text());
  if (::geteuid() == 0)
    spdlog::warn("running as root; under systemd run as the hfcache user (deploy/hfcached.service)");

  FrontOptions front;
  front.workers = static_cast<std::size_t>(settings.http_threads);  // each streaming response holds one
  front.keep_alive_max_count = 1000;
  front.keep_alive_timeout = std::chrono::seconds(5);  // also bounds how long an idle connection delays a stop
  front.write_timeout = std::chrono::seconds(60);
  front.limits.head.fields = static_cast<std::size_t>(settings.http_max_headers);
  front.limits.head.section = static_cast<std::size_t>(settings.http_max_header_bytes);
  front.limits.max_body = static_cast<std::uint64_t>(settings.http_max_body_bytes);
  front.header_timeout = std::chrono::seconds(settings.http_header_timeout_s);
  front.body_timeout = std::chrono::seconds(settings.http_body_timeout_s);
  front.body_min_rate = static_cast<std::uint64_t>(settings.http_body_min_rate);

  http_ = std::make_unique<HttplibEngine>();
  // httplib states these in its Keep-Alive header. It reads only requests the front has read whole
  // (so no read timeout of its own) and writes through the front's stream (with its write timeout).
  http_->set_keep_alive_max_count(front.keep_alive_max_count);
  http_->set_keep_alive_timeout(front.keep_alive_timeout.count());
  http_->set_payload_max_length(front.limits.max_body);
  register_api_routes(*http_, *api_);
  // After /v1: the mirror's patterns are catch-alls.
  auto mirror = register_mirror_routes(*http_, *context_, [this] { return http_->streaming(); });
  install_request_hooks(*http_, *api_, mirror.handle);

  FrontHandlers handlers;
  handlers.fast = std::move(mirror.fast);
  handlers.slow = [this](httplib::Stream& stream, bool close_connection, bool& connection_closed) {
    return http_->serve_one(stream, close_connection, connection_closed);
  };
  handlers.refused = [this](int) { context_->metrics.responses_4xx++; };
  front_ = std::make_unique<HttpFront>(front, std::move(handlers));
}

Daemon::~Daemon() = default;

void Daemon::prefetch(const config::Settings& settings) {
  for (const auto& spec : settings.prefetch) {
    try {
      auto parsed = core::parse_repo_arg(spec, std::nullopt, true);
      pull::PullRequest request;
      request.repo = parsed.repo;
      request.revision = parsed.revision.value_or(std::string(core::default_revision));
      auto submitted = pulls_->submit(request, true);
      spdlog::info("prefetch {}: pull {} queued; pinned when done", spec, submitted.id);
    } catch (const std::exception& e) {
      spdlog::warn("prefetch {}: not queued: {}", spec, e.what());
    }
  }
}

int Daemon::run() {
  if (!front_->bind(listen_.host, listen_.port)) {
    spdlog::error("cannot listen on {}: the address is in use or not available", listen_.text());
    throw Error(ExitCode::failure, "cannot listen on " + listen_.text(),
                "pick another address with --listen HOST:PORT, or stop what already listens there");
  }
  auto runtime = context_->runtime();
  spdlog::info("hfcached 0.1.0 serving {} on http://{} (upstream {}{})", context_->layout.root().string(), listen_.text(),
               runtime->settings.endpoint, runtime->hub ? "" : ", offline");
  spdlog::info(runtime->settings.access == "open"
                   ? "access \"open\": every repo, gated and private ones included, is served to every client"
                   : "access \"hub\": gated and private repos are served only to clients whose own token the upstream "
                     "accepts for them");
  prefetch(runtime->settings);
  if (!stop_requested_) {
    notify_systemd("READY=1\nSTATUS=serving " + context_->layout.root().string());
    front_->run();
  }
  pulls_->cancel_all();
  pulls_->wait_idle();
  {
    std::lock_guard lock(mutex_);
    serving_done_ = true;
  }
  drained_.notify_all();
  spdlog::info("hfcached stopped");
  return 0;
}

void Daemon::stop() {
  if (stop_requested_.exchange(true)) return;
  notify_systemd("STOPPING=1");
  spdlog::info("stopping: no new connections; upstream transfers and retry waits end now; pull jobs stop resumably");
  api_->stopping = true;
  pulls_->cancel_all();
  // Every upstream transfer and retry wait of the hub client ends now (StopRequested), whatever
  // trouble the upstream is in, so the drain below is not held up by a stalled or refusing hub.
  stop_.request_stop();
  http_->set_streaming(false);  // bodies being streamed end; the clients retry or resume
  front_->stop();
  wait_for_drain();
}

void Daemon::wait_for_drain() {
  auto grace = std::chrono::seconds(context_->runtime()->settings.shutdown_grace_s);
  std::unique_lock lock(mutex_);
  if (drained_.wait_for(lock, grace, [this] { return serving_done_; })) return;
  // Requests still running after the grace period are cut; every file they wrote is a temp file or
  // an .incomplete that a later pull resumes, so leaving now is safe.
  spdlog::warn("in-flight requests did not finish within {} s (shutdown_grace_s); exiting anyway", grace.count());
  std::_Exit(0);
}

void Daemon::reload() {
  notify_systemd(reloading_message());
  try {
    auto settings = config::load_settings(flags_, config_file_);
    const auto& root = context_->layout.root();
    if (settings.cache_dir != root) {
      spdlog::warn("reload: cache_dir changed to {}; that needs a restart, still serving {}", settings.cache_dir.string(),
                   root.string());
      settings.cache_dir = root;
    }
    if (settings.listen != listen_.text() && parse_listen_address(settings.listen).text() != listen_.text()) {
      spdlog::warn("reload: listen changed to {}; that needs a restart, still listening on {}", settings.listen,
                   listen_.text());
    }
    settings.listen = listen_.text();
    apply_log_level(settings.log_level);
    context_->set_runtime(build_runtime(settings, listen_, stop_.get_token()));
    spdlog::info("reloaded the configuration (upstream {}{}, admin token {})", settings.endpoint,
                 settings.offline ? ", offline" : "", settings.admin_token_file ? "set" : "not set");
  } catch (const Error& e) {
    spdlog::error("reload failed, keeping the previous configuration: {}{}{}", e.what(), e.hint().empty() ? "" : "; ",
                  e.hint());
  } catch (const std::exception& e) {
    spdlog::error("reload failed, keeping the previous configuration: {}", e.what());
  }
  notify_systemd("READY=1");
}

}  // namespace hfcache::server
