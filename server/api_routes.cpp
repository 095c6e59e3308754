#include "api_routes.hpp"

#include <spdlog/spdlog.h>

#include "daemon_context.hpp"

namespace hfcache::server {
namespace {

service::LocalBacking backing_of(DaemonContext& context) {
  return {context.layout,
          [&context] {
            auto runtime = context.runtime();
            return std::shared_ptr<const config::Settings>(runtime, &runtime->settings);
          },
          [&context]() -> index::CacheIndex& { return context.index; },
          [&context] { return context.runtime()->hub; },
          [&context](const core::RepoRef& repo, const std::string& commit) { return context.usage.in_use(repo, commit); },
          [](const std::string& text) { spdlog::warn("{}", text); }};
}

}  // namespace

ApiServices::ApiServices(DaemonContext& daemon_context, PullJobs& pull_jobs, std::string listen_text)
    : context(daemon_context), pulls(pull_jobs), listen(std::move(listen_text)), cache(backing_of(daemon_context)) {}

void register_api_routes(httplib::Server& http, ApiServices& api) {
  register_health_routes(http, api);
  register_repo_routes(http, api);
  register_pull_routes(http, api);
  register_maintenance_routes(http, api);
  register_export_routes(http, api);
}

}  // namespace hfcache::server
