#pragma once
// Who may change the cache (docs/rest-api.md "Admin calls"): with an admin token configured, only
// requests carrying `Authorization: Bearer <token>`; without one, only when the daemon listens on
// loopback. The token is compared in constant time and never logged or echoed.
#include <string>
#include <string_view>

namespace hfcache::server {

struct Runtime;

enum class AdminDecision { allowed, missing_token, wrong_token, no_token_configured };

// `authorization`: the request's Authorization header ("" when absent).
AdminDecision check_admin(const Runtime& runtime, std::string_view authorization);

// True for the routes docs/rest-api.md lists as admin calls (they change the cache).
bool is_admin_call(std::string_view method, std::string_view path);

// Equal without an early exit, so response times do not reveal how much of a guess was right.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace hfcache::server
