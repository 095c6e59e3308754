#include "service/daemon_locator.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/errors.hpp"
#include "http/url.hpp"
#include "hub/token_source.hpp"
#include "util/fs.hpp"

namespace hfcache::service {
namespace {

bool same_folder(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec1, ec2;
  auto ca = std::filesystem::weakly_canonical(a, ec1), cb = std::filesystem::weakly_canonical(b, ec2);
  return !ec1 && !ec2 && ca == cb;
}

std::string configured_url(const config::Settings& settings) {
  std::string url = settings.daemon_url.empty() ? settings.listen : settings.daemon_url;
  if (url.starts_with("0.0.0.0:")) url = "127.0.0.1:" + url.substr(8);
  return url;
}

}  // namespace

std::string daemon_url_for(const config::Settings& settings) {
  auto url = configured_url(settings);
  if (url.find("://") == std::string::npos) url = "http://" + url;
  while (url.ends_with('/')) url.pop_back();
  return url;
}

std::string admin_token_for(const config::Settings& settings) {
  if (const char* env = std::getenv("HFCACHE_ADMIN_TOKEN"); env && *env) return hub::clean_token(env);
  if (settings.admin_token_file) {
    if (auto text = util::read_small_file(*settings.admin_token_file, 64 * 1024)) return hub::clean_token(*text);
  }
  return {};
}

bool may_carry_hub_token(const std::string& daemon_url) {
  auto parsed = http::parse_url(daemon_url.find("://") == std::string::npos ? "http://" + daemon_url : daemon_url);
  if (!parsed) return false;
  const auto& host = parsed->host;
  return parsed->scheme == "https" || host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::string bearer_for(const config::Settings& settings, const std::string& daemon_url) {
  if (auto admin = admin_token_for(settings); !admin.empty()) return admin;
  if (!may_carry_hub_token(daemon_url)) return {};
  return hub::load_token().value_or("");
}

std::unique_ptr<DaemonCacheService> daemon_at(const std::optional<std::string>& url, const config::Settings& settings) {
  auto where = url.value_or(configured_url(settings));
  auto bearer = bearer_for(settings, where);
  return std::make_unique<DaemonCacheService>(make_daemon_transport(where, std::move(bearer)));
}

std::unique_ptr<DaemonCacheService> find_daemon(const config::Settings& settings, const std::optional<std::string>& flag_url,
                                                bool local_flag) {
  if (local_flag) return nullptr;
  if (flag_url) {
    auto daemon = daemon_at(flag_url, settings);
    if (!daemon->health())
      throw OfflineError("no hfcached answers at " + daemon->base_url(),
                         "start it (systemctl start hfcached), check --daemon, or drop --daemon to work in-process");
    return daemon;
  }
  auto daemon = daemon_at(std::nullopt, settings);
  auto health = daemon->health();
  if (!health) return nullptr;
  // A daemon serving another cache folder is not ours to use unless HFCACHE_URL asked for it
  // and the cache folder was not chosen explicitly on the command line.
  bool named = !settings.daemon_url.empty();
  bool cache_explicit = settings.origin.count("cache_dir") && settings.origin.at("cache_dir") == "flag";
  if (same_folder(health->cache_dir, settings.cache_dir)) return daemon;
  if (named && !cache_explicit) return daemon;
  return nullptr;
}

}  // namespace hfcache::service
