#pragma once
// The token of an `Authorization: Bearer <token>` header value (RFC 6750 section 2.1; the scheme
// is case-insensitive, RFC 9110 section 11.1), without surrounding spaces; empty when the value is
// not a bearer credential. Shared by the admin check and the access check of hfcached.
#include <string_view>

namespace hfcache::http {

std::string_view bearer_token(std::string_view authorization);

}  // namespace hfcache::http
