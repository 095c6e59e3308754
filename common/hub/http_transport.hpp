#pragma once
// The one place that speaks HTTP (through cpp-httplib, which stays out of headers). Owns the TLS
// and proxy policy: HTTPS is always verified (system CA store, or `ca_bundle`), proxies come from
// ProxyConfig, redirects are never followed (callers decide). Each thread keeps its own keep-alive
// connections per origin and proxy, so one transport may be used from many threads at once.
// Failures without a response come back as TransportError; nothing here throws for HTTP statuses.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hub/http_message.hpp"
#include "hub/proxy.hpp"
#include "hub/url.hpp"

namespace hfcache::hub {

struct TransportOptions {
  std::string ca_bundle;  // PEM file; empty = the system CA store (OpenSSL default paths, SSL_CERT_FILE)
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};  // also the write timeout
  ProxyConfig proxy;
  // JSON bodies are held in memory; a tree listing page is well under a megabyte.
  std::size_t max_body_bytes = std::size_t{64} << 20;
};

// What one request may take at most, on top of the transport's own timeouts: a caller with a
// deadline (hub/call_limits.hpp) hands it down so no single connect or read outlasts it.
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
  // Throws UsageError when a proxy setting cannot be parsed.
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
  // get_stream for a large body: on a connection of its own, read in large blocks
  // (raw_http_get.hpp) instead of through cpp-httplib; through cpp-httplib all the same when a
  // proxy applies to `url`. Same results and errors as get_stream.
  StreamResult get_stream_large(const Url& url, const HttpHeaders& headers, const ResponseStartHandler& on_start,
                                const BodyHandler& on_body) const;

 private:
  TransportOptions options_;
  // Identifies this transport in the per-thread connection caches; they drop entries whose owner
  // has expired.
  std::shared_ptr<const int> identity_;
};

}  // namespace hfcache::hub
