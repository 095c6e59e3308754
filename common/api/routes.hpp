#pragma once
// The management API's routes (docs/rest-api.md), named once for hfcached (which registers them)
// and its clients (which call them). A call is a Target: a path and its query parameters, unencoded
// (the transport encodes them); bodies are the JSON of the request types next door.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/repo_id.hpp"

namespace hfcache::api {

namespace routes {
inline constexpr const char* health = "/v1/health";
inline constexpr const char* metrics = "/metrics";
inline constexpr const char* repos = "/v1/repos";
inline constexpr const char* pulls = "/v1/pulls";
inline constexpr const char* path = "/v1/path";
inline constexpr const char* export_archive = "/v1/export";
inline constexpr const char* verify = "/v1/verify";
inline constexpr const char* repair = "/v1/repair";
inline constexpr const char* gc = "/v1/gc";
inline constexpr const char* pins = "/v1/pins";
inline constexpr const char* reindex = "/v1/reindex";

// The server's patterns for the routes with parameters (cpp-httplib regular expressions).
inline constexpr const char* repo_pattern = R"(/v1/repos/(models|datasets|spaces)/([^?]+))";
inline constexpr const char* pull_pattern = R"(/v1/pulls/([^/]+))";
inline constexpr const char* pull_events_pattern = R"(/v1/pulls/([^/]+)/events)";
}  // namespace routes

// /v1/repos/{models|datasets|spaces}/{id}
std::string repo_route(const core::RepoRef& repo);
// The repo of repo_pattern's two groups; UsageError for an invalid id.
core::RepoRef repo_of_route(std::string_view plural, std::string_view id);
std::string pull_route(std::string_view id);
std::string pull_events_route(std::string_view id);

// Query parameters in order, a key repeated for a list (repo=a&repo=b).
using Query = std::vector<std::pair<std::string, std::string>>;

struct Target {
  std::string path;
  Query query = {};
};

// The query a flat request object travels as (DELETE and GET calls): strings as they are, booleans
// as 1/0, numbers in decimal, lists as repeated keys; null is left out.
Query query_of(const nlohmann::json& object);
// The other way, on the server: one key once is a string, repeated keys a list of strings.
nlohmann::json object_of(const Query& query);

}  // namespace hfcache::api
