#pragma once
// The hub-compatible routes (docs/interface.md "Hub-compatible endpoints", docs/hub-protocol.md
// "Serving as a mirror"): what makes HF_ENDPOINT=http://127.0.0.1:PORT work for huggingface_hub,
// transformers and curl.
// Register after the /v1 and /metrics routes: these patterns are broad.
#include <functional>
#include <optional>

#include "http_front.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace hfcache::server {

class DaemonContext;
using MirrorHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

struct MirrorHandlers {
  // For the pre-routing hook, which calls it directly for GET/HEAD outside /v1: httplib would
  // otherwise try every /v1 pattern (std::regex) first.
  MirrorHandler handle;
  // For http_front's fast lane: a file the cache answers at once (see MirrorService::cached_file),
  // with the same status and headers `handle` would send; nullopt for everything else.
  std::function<std::optional<FastResponse>(const RequestHead&)> fast;
};

// Registers the catch-all routes and returns their handlers. // `serving` turns false when the daemon stops: file streams end then.
MirrorHandlers register_mirror_routes(httplib::Server& http, DaemonContext& context, std::function<bool()> serving);

}  // namespace hfcache::server
