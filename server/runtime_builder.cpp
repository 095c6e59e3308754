#include "runtime_builder.hpp"

#include <sys/stat.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "core/errors.hpp"
#include "http/via_header.hpp"
#include "hub/hub_client.hpp"
#include "hub/hub_from_settings.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace hfcache::server {
namespace {

// As ssh refuses a private key others may read: a token file other users can read or write hands
// the token to them. Group access is allowed (deploy/install.sh gives the admin token to the
// hfcache group on purpose).
void refuse_loose_file(const std::string& path, const char* key) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // missing: the readers below say so where it matters
  if ((st.st_mode & (S_IROTH | S_IWOTH)) == 0) return;
  throw UsageError(std::string(key) + " " + path + " is readable or writable by other users, so they could use the token",
                   "run: chmod o-rwx " + path + " (and keep it owned by the daemon's user or root)");
}

// The Via received-by of this daemon: the tier_id setting, else host name and listen port, which
// tell the daemons of one fleet apart.
std::string tier_id(const config::Settings& settings, const ListenAddress& listen) {
  if (!settings.tier_id.empty()) return http::via_token(settings.tier_id);
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || !*host) std::snprintf(host, sizeof host, "hfcached");
  return http::via_token(std::string(host) + ":" + std::to_string(listen.port));
}

}  // namespace

std::shared_ptr<const Runtime> build_runtime(const config::Settings& settings, const ListenAddress& listen,
                                             std::stop_token stop) {
  auto runtime = std::make_shared<Runtime>();
  runtime->settings = settings;
  runtime->loopback_only = listen.loopback;
  if (settings.admin_token_file) refuse_loose_file(*settings.admin_token_file, "admin_token_file");
  if (settings.token_file) refuse_loose_file(*settings.token_file, "token_file");
  if (settings.admin_token_file) {
    auto text = util::read_small_file(*settings.admin_token_file, 64 * 1024);
    if (!text)
      throw UsageError("cannot read the admin token file " + *settings.admin_token_file,
                       "check the path and that the daemon's user may read it (admin_token_file)");
    runtime->admin_token = std::string(util::trim(*text));
    if (runtime->admin_token.empty())
      throw UsageError("the admin token file " + *settings.admin_token_file + " is empty",
                       "write a long random token into it, for example: openssl rand -hex 32");
  }
  runtime->tier_id = tier_id(settings, listen);
  if (!settings.offline) {
    runtime->hub = std::shared_ptr<hub::HubClient>(
        hub::make_hub_client(settings, std::nullopt, std::move(stop), [&](hub::HubOptions& options) {
          options.via_id = runtime->tier_id;
          options.on_tier_change = [](const std::string& endpoint, bool up, const std::string& why) {
            if (up) spdlog::info("upstream {} is up again", endpoint);
            else spdlog::warn("upstream {} is down ({}); the next tier answers meanwhile", endpoint, why);
          };
        }));
  }
  return runtime;
}

}  // namespace hfcache::server
