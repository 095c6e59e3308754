#pragma once
// How the typed errors of core/errors.hpp travel between hfcached and its clients (docs/rest-api.md
// "Conventions"): a status and {"error": {"code", "message", "hint"}}; CODE is one of bad_request,
// unauthorized, forbidden, not_found, in_use, integrity, offline, internal, and the CLI turns it back
// into the exit code of interface.md, so `hfcache` exits alike with and without a daemon.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/errors.hpp"

namespace hfcache::api {

struct ApiError {
  std::string code = "internal";
  std::string message;
  std::string hint;
  bool operator==(const ApiError&) const = default;
};

// {"code", "message", "hint"}: the object a failed pull job carries and the error body wraps.
nlohmann::json to_json(const ApiError& error);
// Missing fields read as ""; a bare string is taken as the message (older daemons, proxies).
ApiError api_error_from_json(const nlohmann::json& j);

// The error a typed Error stands for (InUseError is "in_use"), and its HTTP status.
ApiError api_error_of(const Error& error);
int http_status_of(std::string_view code);

// The exit code a CODE (or, for a code this CLI does not know, the HTTP status) stands for.
ExitCode exit_code_of(std::string_view code, int http_status);
// The typed Error again, on the client side.
[[noreturn]] void throw_api_error(const ApiError& error, int http_status);

// {"error": {...}}, the body of every failed /v1 call.
nlohmann::json error_body(const ApiError& error);
// The error in a reply body; nullopt when the body holds none (not JSON, another shape).
std::optional<ApiError> error_from_body(std::string_view body);

}  // namespace hfcache::api
