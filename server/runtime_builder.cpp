#include "runtime_builder.hpp"

#include "core/errors.hpp"
#include "hub/hub_from_settings.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace hfcache::server {
namespace {

}  // namespace

std::shared_ptr<const Runtime> build_runtime(const config::Settings& settings, const ListenAddress& listen,
                                             std::stop_token stop) {
  auto runtime = std::make_shared<Runtime>();
  runtime->settings = settings;
  runtime->loopback_only = listen.loopback;
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
  if (!settings.offline) runtime->hub = std::shared_ptr<hub::HubClient>(hub::make_hub_client(settings, std::nullopt, std::move(stop)));
  return runtime;
}

}  // namespace hfcache::server
