#pragma once
// The hub-compatible routes (interface.md "Hub-compatible endpoints", hub-protocol.md section 17):
// what makes HF_ENDPOINT=http://127.0.0.1:PORT work for huggingface_hub, transformers and curl.
// Register after the /v1 and /metrics routes: these patterns are broad.
#include <functional>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace hfcache::server {

class DaemonContext;
using MirrorHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

// Registers the catch-all routes and returns their handler, which the pre-routing hook calls directly
// for GET/HEAD outside /v1: httplib would otherwise try every /v1 pattern (std::regex) first.
MirrorHandler register_mirror_routes(httplib::Server& http, DaemonContext& context);

}  // namespace hfcache::server
