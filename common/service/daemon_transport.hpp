#pragma once
// The seam between DaemonCacheService and the HTTP client it talks to hfcached with: three kinds of
// call (a quick probe, a JSON call, an event stream), nothing else. The implementation lives in one
// file (daemon_transport_http.cpp, on http/http_transport.hpp, the project's one HTTP client), so
// the client library can change without touching the service.
// Every call sends the bearer token it was made with (daemon_locator.hpp bearer_for: the admin
// token, else the user's hub token), when there is one, as `Authorization: Bearer`.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/routes.hpp"

namespace hfcache::service {

struct DaemonReply {
  int status = 0;
  std::string body;
};

class DaemonTransport {
 public:
  virtual ~DaemonTransport() = default;

  // http://host:port, no trailing slash: for messages.
  virtual const std::string& base_url() const = 0;

  // GET with a short timeout (the CLI probes for a daemon before every command); nullopt when
  // nothing answers in time.
  virtual std::optional<DaemonReply> probe(const api::Target& target) = 0;

  // `method` GET, POST or DELETE; `json_body` sent as application/json when given. Throws
  // OfflineError (exit 5) when the daemon cannot be reached.
  virtual DaemonReply call(std::string_view method, const api::Target& target, const std::string* json_body) = 0;

  // GET a text/event-stream, handing over the bytes as they come until `on_bytes` returns false or
  // the stream ends. False when the connection failed or the answer was not 200.
  virtual bool stream(const api::Target& target, const std::function<bool(std::string_view bytes)>& on_bytes) = 0;
};

// `base_url`: "host:port" or "http://host:port[/]".
std::unique_ptr<DaemonTransport> make_daemon_transport(const std::string& base_url, std::string bearer_token);

}  // namespace hfcache::service
