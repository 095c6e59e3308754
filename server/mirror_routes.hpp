#pragma once
// The hub-compatible routes (interface.md "Hub-compatible endpoints", hub-protocol.md section 17):
// what makes HF_ENDPOINT=http://127.0.0.1:PORT work for huggingface_hub, transformers and curl.
// Register after the /v1 and /metrics routes: these patterns are broad.
namespace httplib {
class Server;
}

namespace hfcache::server {

class DaemonContext;

void register_mirror_routes(httplib::Server& http, DaemonContext& context);

}  // namespace hfcache::server
