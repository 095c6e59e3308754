#pragma once
// The one HTTP client of the project (the hub client and the CLI's calls to hfcached), on libcurl,
// which stays out of headers. Owns the TLS and proxy policy: HTTPS is always verified (system CA
// store, or `ca_bundle`), proxies come from ProxyConfig and follow curl's rules, redirects are
// never followed (callers decide), HTTP/2 is used where a TLS server offers it, bodies arrive in
// blocks of up to 1 MiB. Each thread keeps its own curl handles, and with them keep-alive
// connections and TLS sessions, so one transport may be used from many threads at once. A stop
// request on `stop` ends every transfer at once (TransportError::cancelled).
// Failures without a response come back as TransportError; nothing here throws for HTTP statuses.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "http/http_message.hpp"
#include "http/transport_proxy.hpp"
#include "http/url.hpp"

namespace hfcache::http {

struct TransportOptions {
  std::string ca_bundle;  // PEM file; empty = the system CA store (OpenSSL default paths, SSL_CERT_FILE)
  std::chrono::milliseconds connect_timeout{10'000};
  // Longest silence once connected (no byte received); before the first byte, connect_timeout
  // more. Checked by the transport itself, so it may be below a second.
  std::chrono::milliseconds read_timeout{30'000};
  ProxyConfig proxy;  // all empty = direct connections, whatever the environment says
  std::stop_token stop;
  // JSON bodies are held in memory; a tree listing page is well under a megabyte.
  std::size_t max_body_bytes = std::size_t{64} << 20;
};

// What one request may take at most, on top of the transport's own timeouts: a caller with a
// deadline (hub/call_limits.hpp) hands it down so no connect, read or trickling body outlasts it.
struct RequestLimits {
  std::optional<std::chrono::steady_clock::time_point> deadline;  // the request gives up by then (Kind::timeout)
};

// Called once when the status line and headers have arrived; return false to stop.
using ResponseStartHandler = std::function<bool(int status, const HttpHeaders& headers)>;
// Called for each body chunk (also for error bodies); return false to stop.
using BodyHandler = std::function<bool(const char* data, std::size_t size)>;

struct StreamResult {
  bool started = false;  // the response handler ran (a status and headers arrived)
  int status = 0;
  HttpHeaders headers;
  std::optional<TransportError> error;  // set unless the body arrived complete
};

class HttpTransport {
 public:
  // Throws UsageError when a proxy setting cannot be used.
  explicit HttpTransport(TransportOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  const TransportOptions& options() const { return options_; }

  HttpResult head(const Url& url, const HttpHeaders& headers, const RequestLimits& limits = {}) const;
  // GET with the body buffered, at most options().max_body_bytes (TransportError::too_large beyond).
  HttpResult get(const Url& url, const HttpHeaders& headers, const RequestLimits& limits = {}) const;
  // GET streamed: `on_start` sees the status and headers, `on_body` the bytes as they arrive.
  StreamResult get_stream(const Url& url, const HttpHeaders& headers, const ResponseStartHandler& on_start,
                          const BodyHandler& on_body) const;
  // `method` GET, HEAD, POST, PUT or DELETE with `body` (sent when given), buffered like get().
  HttpResult request(std::string_view method, const Url& url, const HttpHeaders& headers,
                     const std::string* body = nullptr, const RequestLimits& limits = {}) const;

 private:
  TransportOptions options_;
  // Identifies this transport in the per-thread handle caches (curl_session.hpp); they drop
  // entries whose owner has expired.
  std::shared_ptr<const int> identity_;
};

}  // namespace hfcache::http
