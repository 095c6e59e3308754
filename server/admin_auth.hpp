#pragma once
// Who may change the cache (docs/rest-api.md "Conventions", admin calls): with an admin token
// configured, only requests carrying `Authorization: Bearer <token>`; without one, only when the
// daemon listens on loopback. The token is compared in constant time and never logged or echoed.
#include <string>
#include <string_view>

namespace hfcache::server {

struct Runtime;

enum class AdminDecision { allowed, missing_token, wrong_token, no_token_configured, cross_site };

// `authorization`: the request's Authorization header ("" when absent).
AdminDecision check_admin(const Runtime& runtime, std::string_view authorization);

// A web page must never drive admin calls: on loopback without a token, a page in the user's browser
// could POST /v1/gc with a "simple" request, or reach us through DNS rebinding. True when the
// request comes from another site (Sec-Fetch-Site, or an Origin whose host differs from Host), or,
// on a loopback listener, when Host is not a loopback name (localhost, 127.x.x.x, [::1]).
bool looks_cross_site(const Runtime& runtime, std::string_view host, std::string_view origin,
                      std::string_view sec_fetch_site);

// True for the routes docs/rest-api.md lists as admin calls (they change the cache).
bool is_admin_call(std::string_view method, std::string_view path);

// Equal without an early exit, so response times do not reveal how much of a guess was right.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace hfcache::server
