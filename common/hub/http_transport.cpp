#include "hub/http_transport.hpp"

#include <httplib.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string_view>
#include <tuple>
#include <vector>

#include "hub/raw_http_get.hpp"
#include "hub/url.hpp"
#include "util/strings.hpp"

namespace hfcache::hub {
namespace {

// Connections a thread keeps open at once: the endpoint, a CDN or two, and some slack.
constexpr std::size_t max_cached_clients = 8;

struct CachedClient {
  std::weak_ptr<const int> owner;
  std::string key;
  // Shared with the request in flight, so evicting an entry never pulls a client from under it.
  std::shared_ptr<httplib::Client> client;
  std::uint64_t last_used = 0;
};

struct ClientCache {
  std::vector<CachedClient> entries;
  std::uint64_t clock = 0;
};

thread_local ClientCache t_cache;

std::string seconds_text(std::chrono::milliseconds ms) {
  auto count = ms.count();
  if (count % 1000 == 0) return std::to_string(count / 1000) + " s";
  return std::to_string(count) + " ms";
}

httplib::Headers to_httplib(const HttpHeaders& headers) {
  httplib::Headers out;
  for (const auto& [name, value] : headers.items()) out.emplace(name, value);
  return out;
}

// True for the cpp-httplib versions that percent-decode the Location header (before 0.12.2,
// yhirose/cpp-httplib#1459); later ones hand it over as sent.
constexpr bool httplib_decodes_location() {
  constexpr std::string_view version = CPPHTTPLIB_VERSION;
  int parts[3] = {0, 0, 0};
  std::size_t part = 0;
  for (char c : version) {
    if (c == '.') {
      if (++part == 3) break;
    } else if (c >= '0' && c <= '9') {
      parts[part] = parts[part] * 10 + (c - '0');
    } else {
      break;
    }
  }
  return std::make_tuple(parts[0], parts[1], parts[2]) < std::make_tuple(0, 12, 2);
}

HttpHeaders from_httplib(const httplib::Headers& headers) {
  HttpHeaders out;
  for (const auto& [name, value] : headers) {
    bool decoded_location = httplib_decodes_location() && util::ascii_lower(name) == "location";
    out.add(name, decoded_location ? reescape_decoded_location(value) : value);
  }
  return out;
}

void set_timeouts(httplib::Client& client, const TransportOptions& options) {
  client.set_connection_timeout(options.connect_timeout);
  client.set_read_timeout(options.read_timeout);
  client.set_write_timeout(options.read_timeout);
}

// The transport's options with timeouts no longer than the time `limits` leaves (at least 1 ms).
TransportOptions bounded_by(const TransportOptions& options, const RequestLimits& limits) {
  if (!limits.deadline) return options;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*limits.deadline - std::chrono::steady_clock::now());
  left = std::max(left, std::chrono::milliseconds{1});
  TransportOptions out = options;
  out.connect_timeout = std::min(out.connect_timeout, left);
  out.read_timeout = std::min(out.read_timeout, left);
  return out;
}

std::shared_ptr<httplib::Client> make_client(const Url& url, const std::optional<Proxy>& proxy,
                                             const TransportOptions& options) {
  auto client = std::make_shared<httplib::Client>(url.scheme + "://" + url.bracketed_host() + ":" +
                                                  std::to_string(url.port));
  client->set_keep_alive(true);
  client->set_follow_location(false);
  client->set_url_encode(false);  // targets are encoded by us (url.hpp)
  if (url.scheme == "https") {
    client->enable_server_certificate_verification(true);
    if (!options.ca_bundle.empty()) client->set_ca_cert_path(options.ca_bundle);
  }
  if (proxy) {
    client->set_proxy(proxy->host, proxy->port);
    if (!proxy->username.empty()) client->set_proxy_basic_auth(proxy->username, proxy->password);
  }
  return client;
}

// The calling thread's client for `url`'s origin through `proxy`, created on first use.
std::shared_ptr<httplib::Client> client_for(const std::shared_ptr<const int>& owner, const Url& url,
                            const std::optional<Proxy>& proxy, const TransportOptions& options) {
  auto& cache = t_cache;
  std::erase_if(cache.entries, [](const CachedClient& entry) { return entry.owner.expired(); });
  std::string key = url.origin();
  if (proxy) key += "|" + proxy->display() + "|" + proxy->username + "|" + proxy->password;
  ++cache.clock;
  for (auto& entry : cache.entries) {
    if (entry.key == key && entry.owner.lock() == owner) {
      entry.last_used = cache.clock;
      set_timeouts(*entry.client, options);  // an earlier request may have had shorter ones
      return entry.client;
    }
  }
  if (cache.entries.size() >= max_cached_clients) {
    auto oldest = std::min_element(cache.entries.begin(), cache.entries.end(),
                                   [](const auto& a, const auto& b) { return a.last_used < b.last_used; });
    cache.entries.erase(oldest);
  }
  cache.entries.push_back({owner, key, make_client(url, proxy, options), cache.clock});
  set_timeouts(*cache.entries.back().client, options);
  return cache.entries.back().client;
}

TransportError describe(httplib::Error error, const Url& url, const std::optional<Proxy>& proxy,
                        const httplib::Client& client, const TransportOptions& options) {
  using Kind = TransportError::Kind;
  const std::string host = url.authority();
  const std::string via = proxy ? " through proxy " + proxy->display() : "";
  switch (error) {
    case httplib::Error::Connection:
      return {Kind::connect, "cannot connect to " + host + via +
                                 " (name not resolved, connection refused or network unreachable)"};
    case httplib::Error::ConnectionTimeout:
      return {Kind::timeout,
              "timed out connecting to " + host + via + " after " + seconds_text(options.connect_timeout)};
    case httplib::Error::Read:
      return {Kind::io, "connection to " + host + via + " lost or timed out while receiving (read timeout " +
                            seconds_text(options.read_timeout) + ")"};
    case httplib::Error::Write:
      return {Kind::io, "connection to " + host + via + " lost while sending the request"};
    case httplib::Error::SSLConnection:
      return {Kind::tls, "TLS handshake with " + host + via + " failed"};
    case httplib::Error::SSLLoadingCerts:
      return {Kind::tls_setup, "cannot load CA certificates from " +
                                   (options.ca_bundle.empty() ? std::string("the system store")
                                                              : "'" + options.ca_bundle + "'") +
                                   "; set ca_bundle (or SSL_CERT_FILE) to a readable PEM file"};
    case httplib::Error::SSLServerVerification: {
      auto code = client.get_openssl_verify_result();
      if (code == X509_V_OK) {
        return {Kind::tls_verify, "TLS certificate of " + host +
                                      " not trusted (it is issued for another host name); check the endpoint URL"};
      }
      return {Kind::tls_verify, "TLS certificate of " + host + " not trusted (" + X509_verify_cert_error_string(code) +
                                    "); if a proxy or firewall intercepts TLS, set ca_bundle (or SSL_CERT_FILE) "
                                    "to its CA certificate"};
    }
    case httplib::Error::Canceled:
      return {Kind::cancelled, "request to " + host + " cancelled"};
    case httplib::Error::Compression:
      return {Kind::io, "cannot decompress the response from " + host};
    default:
      return {Kind::other, "request to " + host + via + " failed (" + httplib::to_string(error) + ")"};
  }
}

}  // namespace

HttpTransport::HttpTransport(TransportOptions options)
    : options_(std::move(options)), identity_(std::make_shared<const int>(0)) {
  // Surface a malformed proxy setting now rather than on the first request.
  for (const auto* value : {&options_.proxy.https_proxy, &options_.proxy.http_proxy, &options_.proxy.all_proxy}) {
    if (!value->empty()) parse_proxy_url(*value);
  }
}

HttpTransport::~HttpTransport() {
  // Close this thread's connections now; other threads drop theirs on their next request.
  std::erase_if(t_cache.entries, [&](const CachedClient& entry) {
    return entry.owner.expired() || entry.owner.lock() == identity_;
  });
}

HttpResult HttpTransport::head(const Url& url, const HttpHeaders& headers, const RequestLimits& limits) const {
  const auto options = bounded_by(options_, limits);
  auto proxy = select_proxy(options.proxy, url);
  auto client_ref = client_for(identity_, url, proxy, options);
  auto& client = *client_ref;
  auto result = client.Head(url.target, to_httplib(headers));
  if (!result) return {std::nullopt, describe(result.error(), url, proxy, client, options)};
  spdlog::debug("hub: HEAD {} -> {}", redact_url(url.str()), result->status);
  return {HttpResponse{result->status, from_httplib(result->headers), {}}, std::nullopt};
}

HttpResult HttpTransport::get(const Url& url, const HttpHeaders& headers, const RequestLimits& limits) const {
  const auto options = bounded_by(options_, limits);
  auto proxy = select_proxy(options.proxy, url);
  auto client_ref = client_for(identity_, url, proxy, options);
  auto& client = *client_ref;
  std::string body;
  bool too_large = false;
  bool past_deadline = false;  // a body trickling in must not outlast the deadline either
  auto result = client.Get(url.target, to_httplib(headers), [&](const char* data, std::size_t size) {
    if (body.size() + size > options_.max_body_bytes) {
      too_large = true;
      return false;
    }
    if (limits.deadline && std::chrono::steady_clock::now() >= *limits.deadline) {
      past_deadline = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  if (past_deadline) {
    return {std::nullopt, TransportError{TransportError::Kind::timeout,
                                         "response from " + url.authority() + " did not arrive in time"}};
  }
  if (too_large) {
    return {std::nullopt, TransportError{TransportError::Kind::too_large,
                                         "response from " + url.authority() + " is larger than " +
                                             std::to_string(options_.max_body_bytes >> 20) + " MiB"}};
  }
  if (!result) return {std::nullopt, describe(result.error(), url, proxy, client, options)};
  spdlog::debug("hub: GET {} -> {} ({} bytes)", redact_url(url.str()), result->status, body.size());
  return {HttpResponse{result->status, from_httplib(result->headers), std::move(body)}, std::nullopt};
}

StreamResult HttpTransport::get_stream(const Url& url, const HttpHeaders& headers,
                                       const ResponseStartHandler& on_start, const BodyHandler& on_body) const {
  auto proxy = select_proxy(options_.proxy, url);
  auto client_ref = client_for(identity_, url, proxy, options_);
  auto& client = *client_ref;
  StreamResult out;
  auto result = client.Get(
      url.target, to_httplib(headers),
      [&](const httplib::Response& response) {
        out.started = true;
        out.status = response.status;
        out.headers = from_httplib(response.headers);
        return on_start(out.status, out.headers);
      },
      [&](const char* data, std::size_t size) { return on_body(data, size); });
  if (!result) out.error = describe(result.error(), url, proxy, client, options_);
  spdlog::debug("hub: GET {} -> {}", redact_url(url.str()), out.started ? std::to_string(out.status) : "no response");
  return out;
}

StreamResult HttpTransport::get_stream_large(const Url& url, const HttpHeaders& headers,
                                             const ResponseStartHandler& on_start, const BodyHandler& on_body) const {
  if (select_proxy(options_.proxy, url)) return get_stream(url, headers, on_start, on_body);
  return raw_http_get(url, headers, options_, on_start, on_body);
}

}  // namespace hfcache::hub
