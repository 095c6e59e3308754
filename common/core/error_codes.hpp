#pragma once
// How the typed errors travel over the management API: hfcached answers
// {"error": {"code": NAME, "message": ..., "hint": ...}} with a fitting HTTP status, and the CLI
// turns NAME back into the exit code, so `hfcache` exits alike with and without a daemon.
#include <string_view>

#include "core/errors.hpp"

namespace hfcache::core {

// "bad_request", "not_found", "unauthorized", "offline", "integrity", "internal".
std::string_view error_code_name(ExitCode code);
// 400, 404, 401 (403 for gated/forbidden is chosen by the caller), 503, 409, 500.
int http_status_for(ExitCode code);
// Inverse of error_code_name; unknown names (and "forbidden") map sensibly, never throw.
ExitCode exit_code_from_name(std::string_view name, int http_status);

}  // namespace hfcache::core
