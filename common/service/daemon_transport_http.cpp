// The DaemonTransport on http::HttpTransport (libcurl): every HTTP call the CLI makes to hfcached is
// here. Never through a proxy, whatever the environment says: hfcached is local or on the LAN, and
// an HTTPS_PROXY meant for the hub must not swallow the CLI's calls.
#include <chrono>

#include "core/errors.hpp"
#include "http/http_transport.hpp"
#include "http/url.hpp"
#include "service/daemon_transport.hpp"

namespace hfcache::service {
namespace {

// The admin API answers at once; only pulls and verify/repair/gc runs take long, and those are
// jobs or streams whose reads are bounded by the read timeout between bytes.
constexpr auto probe_timeout = std::chrono::milliseconds(1500);
constexpr auto call_timeout = std::chrono::seconds(600);
// The daemon sends a ping every 15 s on an event stream: four missed ones mean it is gone.
constexpr auto events_read_timeout = std::chrono::seconds(60);

std::string normalise_url(const std::string& given) {
  std::string_view view(given);
  std::string url = view.starts_with("http://") || view.starts_with("https://") ? given : "http://" + given;
  while (url.ends_with('/')) url.pop_back();
  return url;
}

std::string target_text(const api::Target& target) {
  std::string out = target.path;
  char separator = '?';
  for (const auto& [key, value] : target.query) {
    out += separator + http::percent_encode(key, "") + "=" + http::percent_encode(value, "/");
    separator = '&';
  }
  return out;
}

http::TransportOptions direct(std::chrono::milliseconds read_timeout) {
  http::TransportOptions options;
  options.connect_timeout = probe_timeout;
  options.read_timeout = read_timeout;
  return options;  // options.proxy empty: direct connections
}

class HttpDaemonTransport final : public DaemonTransport {
 public:
  HttpDaemonTransport(const std::string& base_url, std::string admin_token)
      : base_url_(normalise_url(base_url)),
        admin_token_(std::move(admin_token)),
        probe_client_(direct(probe_timeout + std::chrono::seconds(1))),
        call_client_(direct(call_timeout)),
        events_client_(direct(events_read_timeout)) {}

  const std::string& base_url() const override { return base_url_; }

  std::optional<DaemonReply> probe(const api::Target& target) override {
    auto url = url_for(target);
    if (!url) return std::nullopt;
    auto result = probe_client_.get(*url, headers("application/json", false));
    if (!result) return std::nullopt;
    return DaemonReply{result.response->status, std::move(result.response->body)};
  }

  DaemonReply call(std::string_view method, const api::Target& target, const std::string* json_body) override {
    auto url = url_for(target);
    if (!url) throw UsageError("invalid daemon address '" + base_url_ + "'", "use host:port or http://host:port");
    auto h = headers("application/json", true);
    const std::string empty_object = "{}";
    if (method == "POST") h.add("Content-Type", "application/json");
    const std::string* body = method == "POST" ? (json_body ? json_body : &empty_object) : nullptr;
    auto result = call_client_.request(method, *url, h, body);
    if (!result) {
      throw OfflineError("cannot reach hfcached at " + base_url_ + ": " + result.error->message,
                         "start it (systemctl start hfcached) or run the command with --local");
    }
    return {result.response->status, std::move(result.response->body)};
  }

  bool stream(const api::Target& target, const std::function<bool(std::string_view)>& on_bytes) override {
    auto url = url_for(target);
    if (!url) return false;
    bool stopped = false;
    auto result = events_client_.get_stream(
        *url, headers("text/event-stream", true), [](int status, const http::HttpHeaders&) { return status == 200; },
        [&](const char* bytes, std::size_t size) {
          stopped = !on_bytes(std::string_view(bytes, size));
          return !stopped;
        });
    return stopped || (result.started && result.status == 200 && !result.error);
  }

 private:
  std::optional<http::Url> url_for(const api::Target& target) const { return http::parse_url(base_url_ + target_text(target)); }

  http::HttpHeaders headers(const char* accept, bool with_token) const {
    http::HttpHeaders h{{"Accept", accept}, {"User-Agent", "hfcache-cli/0.1"}};
    if (with_token && !admin_token_.empty()) h.add("Authorization", "Bearer " + admin_token_);
    return h;
  }

  std::string base_url_;
  std::string admin_token_;
  http::HttpTransport probe_client_;
  http::HttpTransport call_client_;
  http::HttpTransport events_client_;
};

}  // namespace

std::unique_ptr<DaemonTransport> make_daemon_transport(const std::string& base_url, std::string admin_token) {
  return std::make_unique<HttpDaemonTransport>(base_url, std::move(admin_token));
}

}  // namespace hfcache::service
