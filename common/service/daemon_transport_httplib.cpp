// The DaemonTransport on cpp-httplib's client: every HTTP call the CLI makes to hfcached is here.
#include <httplib.h>

#include <chrono>

#include "core/errors.hpp"
#include "hub/url.hpp"
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
    out += separator + hub::percent_encode(key, "") + "=" + hub::percent_encode(value, "/");
    separator = '&';
  }
  return out;
}

class HttplibTransport final : public DaemonTransport {
 public:
  HttplibTransport(const std::string& base_url, std::string admin_token)
      : base_url_(normalise_url(base_url)), admin_token_(std::move(admin_token)) {}

  const std::string& base_url() const override { return base_url_; }

  std::optional<DaemonReply> probe(const api::Target& target) override {
    auto client = make_client(std::chrono::duration_cast<std::chrono::seconds>(probe_timeout) + std::chrono::seconds(1));
    auto result = client->Get(target_text(target), headers("application/json", false));
    if (!result) return std::nullopt;
    return DaemonReply{result->status, result->body};
  }

  DaemonReply call(std::string_view method, const api::Target& target, const std::string* json_body) override {
    auto client = make_client(call_timeout);
    auto path = target_text(target);
    auto h = headers("application/json", true);
    httplib::Result result = method == "POST"     ? client->Post(path, h, json_body ? *json_body : "{}", "application/json")
                             : method == "DELETE" ? client->Delete(path, h)
                                                  : client->Get(path, h);
    if (!result)
      throw OfflineError("cannot reach hfcached at " + base_url_ + ": " + httplib::to_string(result.error()),
                         "start it (systemctl start hfcached) or run the command with --local");
    return {result->status, result->body};
  }

  bool stream(const api::Target& target, const std::function<bool(std::string_view)>& on_bytes) override {
    auto client = make_client(events_read_timeout);
    bool stopped = false;
    auto result = client->Get(target_text(target), headers("text/event-stream", true), [&](const httplib::Response& response) {
      return response.status == 200;
    }, [&](const char* bytes, size_t size) {
      stopped = !on_bytes(std::string_view(bytes, size));
      return !stopped;
    });
    return stopped || (result && result->status == 200);
  }

 private:
  std::unique_ptr<httplib::Client> make_client(std::chrono::seconds read_timeout) const {
    auto client = std::make_unique<httplib::Client>(base_url_);
    auto connect = std::chrono::duration_cast<std::chrono::microseconds>(probe_timeout).count();
    client->set_connection_timeout(connect / 1'000'000, connect % 1'000'000);
    client->set_read_timeout(read_timeout.count(), 0);
    client->set_write_timeout(30, 0);
    client->set_keep_alive(false);
    return client;
  }

  httplib::Headers headers(const char* accept, bool with_token) const {
    httplib::Headers h{{"Accept", accept}, {"User-Agent", "hfcache-cli/0.1"}};
    if (with_token && !admin_token_.empty()) h.emplace("Authorization", "Bearer " + admin_token_);
    return h;
  }

  std::string base_url_;
  std::string admin_token_;
};

}  // namespace

std::unique_ptr<DaemonTransport> make_daemon_transport(const std::string& base_url, std::string admin_token) {
  return std::make_unique<HttplibTransport>(base_url, std::move(admin_token));
}

}  // namespace hfcache::service
