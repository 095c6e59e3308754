#pragma once
// Talking to a running hfcached. The CLI uses the daemon when one answers at --daemon URL,
// HFCACHE_URL / daemon_url, or the default listen address, and serves the same cache folder;
// otherwise (or with --local) it works in-process. Admin calls carry HFCACHE_ADMIN_TOKEN or the
// token in admin_token_file.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "config/settings.hpp"
#include "pull/progress.hpp"

namespace hfcache::cli {

struct DaemonReply {
  int status = 0;
  std::string body;
  std::string content_type;
  nlohmann::json json() const;  // throws Error when the body is not JSON
};

class DaemonClient {
 public:
  explicit DaemonClient(std::string base_url, std::string admin_token = "");
  ~DaemonClient();
  DaemonClient(DaemonClient&&) noexcept;

  const std::string& base_url() const { return base_url_; }

  // GET /v1/health; nullopt when nothing answers (connection refused, timeout, not hfcached).
  std::optional<nlohmann::json> health() const;

  DaemonReply get(const std::string& path) const;
  DaemonReply post(const std::string& path, const nlohmann::json& body) const;
  DaemonReply del(const std::string& path) const;

  // GET a text/event-stream; calls `on_event(event, data)` per event until it returns false or the
  // stream ends. Returns false when the connection failed.
  bool events(const std::string& path, const std::function<bool(const std::string&, const std::string&)>& on_event) const;

  // Throws the typed error (core/errors.hpp) that a JSON error body {"error": {"code", "message"}}
  // and its HTTP status stand for; returns when the reply is 2xx.
  static void raise_for_status(const DaemonReply& reply, const std::string& what);

 private:
  std::string base_url_;
  std::string admin_token_;
};

// The daemon to use for a command, or nullopt for in-process work.
// `flag_url` is --daemon URL (then a daemon that does not answer is an OfflineError, exit 5).
// Without it: HFCACHE_URL / daemon_url, else http://<listen>; used only if it answers /v1/health
// quickly and serves the same cache folder as `settings.cache_dir` (unless HFCACHE_URL named it).
std::optional<DaemonClient> find_daemon(const config::Settings& settings, const std::optional<std::string>& flag_url,
                                        bool local_flag);

// One `progress` event of GET /v1/pulls/{id}/events back as the pull::ProgressEvent the daemon's
// puller reported (docs/rest-api.md); missing fields are 0/"", an unknown kind is a bytes event.
pull::ProgressEvent progress_event_from_json(const nlohmann::json& data);

// The admin token the CLI sends: HFCACHE_ADMIN_TOKEN, else the content of admin_token_file.
std::string admin_token_for(const config::Settings& settings);

}  // namespace hfcache::cli
