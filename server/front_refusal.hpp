#pragma once
// The answers the front writes itself, before any lane: a refused request (its status, the API's
// JSON error shape, `Connection: close`) and the interim "100 Continue".
#include <string>
#include <string_view>

#include "request_head.hpp"

namespace hfcache::server {

// The whole response for `refusal`: status line, fields, and {"error": {"code", "message", "hint"}}.
std::string refusal_response(const Refusal& refusal);

inline constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace hfcache::server
