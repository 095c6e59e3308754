#include "daemon_client.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <system_error>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/error_codes.hpp"
#include "core/errors.hpp"
#include "hub/token_source.hpp"
#include "hub/url.hpp"
#include "util/fs.hpp"

namespace hfcache::cli {

using nlohmann::json;

namespace {

// The admin API answers at once; only pulls and verify/repair/gc runs take long, and those are
// jobs or streams whose reads are bounded by the read timeout between bytes.
constexpr auto probe_timeout = std::chrono::milliseconds(1500);
constexpr auto call_timeout = std::chrono::seconds(600);
constexpr auto events_read_timeout = std::chrono::seconds(60);

std::unique_ptr<httplib::Client> make_client(const std::string& base_url, std::chrono::milliseconds timeout) {
  auto client = std::make_unique<httplib::Client>(base_url);
  client->set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout).count() / 1'000'000,
                                 std::chrono::duration_cast<std::chrono::microseconds>(timeout).count() % 1'000'000);
  client->set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(call_timeout).count(), 0);
  client->set_write_timeout(30, 0);
  client->set_keep_alive(false);
  return client;
}

httplib::Headers headers_for(const std::string& token) {
  httplib::Headers headers{{"Accept", "application/json"}, {"User-Agent", "hfcache-cli/0.1"}};
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return headers;
}

DaemonReply to_reply(const httplib::Result& result, const std::string& base_url) {
  if (!result)
    throw OfflineError("cannot reach hfcached at " + base_url + ": " + httplib::to_string(result.error()),
                       "start it (systemctl start hfcached) or run the command with --local");
  return DaemonReply{result->status, result->body, result->get_header_value("Content-Type")};
}

bool same_folder(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec1, ec2;
  auto ca = std::filesystem::weakly_canonical(a, ec1), cb = std::filesystem::weakly_canonical(b, ec2);
  return !ec1 && !ec2 && ca == cb;
}

std::string normalise_url(const std::string& given) {
  std::string_view view(given);
  std::string url = view.starts_with("http://") || view.starts_with("https://") ? given : "http://" + given;
  while (url.ends_with('/')) url.pop_back();
  return url;
}

}  // namespace

json DaemonReply::json() const {
  try {
    return json::parse(body);
  } catch (const json::exception&) {
    throw Error(ExitCode::failure, "hfcached sent a reply that is not JSON (HTTP " + std::to_string(status) + ")",
                "check that the daemon address points at hfcached");
  }
}

DaemonClient::DaemonClient(std::string base_url, std::string admin_token)
    : base_url_(normalise_url(base_url)), admin_token_(std::move(admin_token)) {}
DaemonClient::~DaemonClient() = default;
DaemonClient::DaemonClient(DaemonClient&&) noexcept = default;

std::optional<json> DaemonClient::health() const {
  auto client = make_client(base_url_, probe_timeout);
  client->set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(probe_timeout).count() + 1, 0);
  auto result = client->Get("/v1/health", headers_for(""));
  if (!result || result->status != 200) return std::nullopt;
  try {
    auto doc = json::parse(result->body);
    if (!doc.is_object() || !doc.contains("cache_dir")) return std::nullopt;
    return doc;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

DaemonReply DaemonClient::get(const std::string& path) const {
  return to_reply(make_client(base_url_, probe_timeout)->Get(path, headers_for(admin_token_)), base_url_);
}

DaemonReply DaemonClient::post(const std::string& path, const json& body) const {
  return to_reply(make_client(base_url_, probe_timeout)->Post(path, headers_for(admin_token_), body.dump(), "application/json"),
                  base_url_);
}

DaemonReply DaemonClient::del(const std::string& path) const {
  return to_reply(make_client(base_url_, probe_timeout)->Delete(path, headers_for(admin_token_)), base_url_);
}

bool DaemonClient::events(const std::string& path,
                          const std::function<bool(const std::string&, const std::string&)>& on_event) const {
  auto client = make_client(base_url_, probe_timeout);
  // The daemon sends a ping every 15 s: four missed ones mean it is gone.
  client->set_read_timeout(events_read_timeout.count(), 0);
  auto headers = headers_for(admin_token_);
  headers.erase("Accept");
  headers.emplace("Accept", "text/event-stream");
  std::string pending, event = "message", data;
  bool keep_going = true;
  auto result = client->Get(path, headers, [&](const char* bytes, size_t size) {
    pending.append(bytes, size);
    std::size_t eol;
    while ((eol = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, eol);
      pending.erase(0, eol + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {  // blank line: dispatch
        if (!data.empty() && !on_event(event, data)) keep_going = false;
        event = "message";
        data.clear();
        if (!keep_going) return false;
      } else if (line.starts_with("event:")) {
        event = line.substr(line.size() > 6 && line[6] == ' ' ? 7 : 6);
      } else if (line.starts_with("data:")) {
        if (!data.empty()) data += '\n';
        data += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
      }  // ":" comments (keep-alives) and other fields are ignored
    }
    return true;
  });
  return result || !keep_going;
}

void DaemonClient::raise_for_status(const DaemonReply& reply, const std::string& what) {
  if (reply.status >= 200 && reply.status < 300) return;
  std::string code, message, hint;
  try {
    auto doc = json::parse(reply.body);
    const auto& err = doc.at("error");
    if (err.is_object()) {
      code = err.value("code", "");
      message = err.value("message", "");
      hint = err.value("hint", "");
    } else if (err.is_string()) {
      message = err.get<std::string>();
    }
  } catch (const json::exception&) {
    message = reply.body.substr(0, 200);
  }
  if (message.empty()) message = what + " failed with HTTP " + std::to_string(reply.status);
  if (reply.status == 401 && hint.empty())
    hint = "set HFCACHE_ADMIN_TOKEN (or admin_token_file in the config) to the daemon's admin token";
  throw Error(core::exit_code_from_name(code, reply.status), message, hint);
}

pull::ProgressEvent progress_event_from_json(const json& data) {
  using K = pull::ProgressEvent::Kind;
  static const std::map<std::string, K, std::less<>> kinds = {{"planned", K::planned},     {"file_started", K::file_started},
                                                              {"bytes", K::bytes},         {"file_retry", K::file_retry},
                                                              {"file_done", K::file_done}, {"finished", K::finished}};
  pull::ProgressEvent e;
  if (!data.is_object()) return e;
  auto number = [&](const char* key) -> std::uint64_t {
    auto it = data.find(key);
    return it != data.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
  };
  auto text = [&](const char* key) {
    auto it = data.find(key);
    return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (auto it = kinds.find(text("kind")); it != kinds.end()) e.kind = it->second;
  e.path = text("path");
  e.message = text("message");
  e.file_done = number("file_done");
  e.file_total = number("file_total");
  e.bytes_done = number("bytes_done");
  e.bytes_total = number("bytes_total");
  e.files_done = static_cast<std::size_t>(number("files_done"));
  e.files_total = static_cast<std::size_t>(number("files_total"));
  return e;
}

std::string admin_token_for(const config::Settings& settings) {
  if (const char* env = std::getenv("HFCACHE_ADMIN_TOKEN"); env && *env) return hub::clean_token(env);
  if (settings.admin_token_file) {
    if (auto text = util::read_small_file(*settings.admin_token_file, 64 * 1024)) return hub::clean_token(*text);
  }
  return {};
}

std::optional<DaemonClient> find_daemon(const config::Settings& settings, const std::optional<std::string>& flag_url,
                                        bool local_flag) {
  if (local_flag) return std::nullopt;
  if (flag_url) {
    DaemonClient client(*flag_url, admin_token_for(settings));
    if (!client.health())
      throw OfflineError("no hfcached answers at " + client.base_url(),
                         "start it (systemctl start hfcached), check --daemon, or drop --daemon to work in-process");
    return client;
  }
  bool named = !settings.daemon_url.empty();
  std::string url = named ? settings.daemon_url : settings.listen;
  if (url.starts_with("0.0.0.0:")) url = "127.0.0.1:" + url.substr(8);
  DaemonClient client(url, admin_token_for(settings));
  auto health = client.health();
  if (!health) return std::nullopt;
  // A daemon serving another cache folder is not ours to use unless HFCACHE_URL asked for it
  // and the cache folder was not chosen explicitly on the command line.
  std::string served = health->value("cache_dir", "");
  bool cache_explicit = settings.origin.count("cache_dir") && settings.origin.at("cache_dir") == "flag";
  if (same_folder(served, settings.cache_dir)) return client;
  if (named && !cache_explicit) return client;
  return std::nullopt;
}

}  // namespace hfcache::cli
