#include "mirror_routes.hpp"

namespace hfcache::server {

void register_mirror_routes(httplib::Server&, DaemonContext&) {}

}  // namespace hfcache::server
