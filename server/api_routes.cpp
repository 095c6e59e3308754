#include "api_routes.hpp"

namespace hfcache::server {

void register_api_routes(httplib::Server& http, ApiServices& api) {
  register_health_routes(http, api);
  register_repo_routes(http, api);
  register_pull_routes(http, api);
  register_maintenance_routes(http, api);
  register_export_routes(http, api);
}

}  // namespace hfcache::server
