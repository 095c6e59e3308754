#pragma once
// The HTTP vocabulary the hub client speaks in, independent of the HTTP library: headers with
// case-insensitive lookup, a buffered response, and a transport failure (no response at all).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfcache::http {

class HttpHeaders {
 public:
  HttpHeaders() = default;
  HttpHeaders(std::initializer_list<std::pair<std::string, std::string>> items) : items_(items) {}

  void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  // Replace every header called `name` by one with `value`.
  void set(std::string_view name, std::string value);
  void remove(std::string_view name);
  // The first value of `name`, compared case-insensitively.
  std::optional<std::string_view> get(std::string_view name) const;
  std::string value_or(std::string_view name, std::string_view fallback = {}) const;
  bool has(std::string_view name) const { return get(name).has_value(); }

  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

bool iequals(std::string_view a, std::string_view b);
// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace around values).
std::string_view trim_ows(std::string_view text);

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;  // empty for HEAD and for streamed responses

  bool is_redirect() const { return status >= 300 && status < 400; }
  bool is_success() const { return status >= 200 && status < 300; }
};

// Why a request got no (complete) response. `message` names the host and what to do; it never
// contains credentials or signed query strings.
struct TransportError {
  enum class Kind {
    connect,     // DNS, refused, unreachable, proxy unreachable
    timeout,     // connect timeout
    io,          // connection lost or read timeout while sending or receiving
    tls,         // handshake failed
    tls_verify,  // certificate not trusted or wrong host name
    tls_setup,   // CA bundle cannot be loaded
    cancelled,   // a callback asked to stop
    too_large,   // body over the cap
    other,
  };
  Kind kind = Kind::other;
  std::string message;

  // Worth retrying the same request after a pause.
  bool retryable() const { return kind == Kind::connect || kind == Kind::timeout || kind == Kind::io || kind == Kind::tls; }
};

// A response or why there is none (a std::expected stand-in).
struct HttpResult {
  std::optional<HttpResponse> response;
  std::optional<TransportError> error;
  explicit operator bool() const { return response.has_value(); }
};

}  // namespace hfcache::http
