#pragma once
// Which hub-compatible endpoint a request names (docs/hub-protocol.md "Addressing", "JSON endpoints",
// "Serving as a mirror"), read from the raw, still percent-encoded request path. Accepts every
// encoding the clients use: revisions raw or encoded (refs%2Fpr%2F1, or refs/pr/1 spread over
// segments), paths raw or encoded (a%2Fb), legacy single-name model ids and the datasets/ and
// spaces/ prefixes. Pure functions.
#include <optional>
#include <string>
#include <string_view>

#include "core/repo_id.hpp"

namespace hfcache::mirror {

enum class Endpoint {
  resolve,     // {prefix}{id}/resolve/{rev}/{path}
  repo_info,   // /api/{type}s/{id}[/revision/{rev}]
  tree,        // /api/{type}s/{id}/tree/{rev}[/{path}]
  paths_info,  // /api/{type}s/{id}/paths-info/{rev}
  refs,        // /api/{type}s/{id}/refs
  auth_check,  // /api/{type}s/{id}/auth-check: may this client's token read the repo (common/access/)
};

struct Route {
  Endpoint endpoint = Endpoint::resolve;
  core::RepoRef repo;
  std::optional<std::string> revision;  // decoded; nullopt when the URL names none
  std::string path;                     // decoded path in the repo; "" for none
};

// nullopt: not a hub-compatible path at all (answer 404). Throws UsageError when it is one but a
// part is unacceptable: an encoded '/' in the repo id, an invalid id or revision, a path that would
// leave the snapshot ("..", "%2e%2e", backslash, NUL, absolute).
std::optional<Route> parse_route(std::string_view raw_path);

}  // namespace hfcache::mirror
