#pragma once
// What happens around every request: the admin check of docs/rest-api.md before routing (401/403
// as JSON), the API request counter, JSON bodies for bare /v1 errors (unknown route: 404), and one
// access-log line per request at debug level (method, path without query, status, bytes, ms).
// Tokens are never logged: neither headers nor query strings reach the log.
namespace httplib {
class Server;
}

#include "mirror_routes.hpp"

namespace hfcache::server {

struct ApiServices;

// `mirror`: serves GET/HEAD outside /v1 and /metrics straight from the hook (see register_mirror_routes).
void install_request_hooks(httplib::Server& http, ApiServices& api, MirrorHandler mirror);

}  // namespace hfcache::server
