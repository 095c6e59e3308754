#pragma once
// The Via header field (RFC 9110 section 7.6.3): every proxy or gateway a message passed appends
// `protocol received-by [comment]`, so a tier can see which daemons a request already went through
// and refuse a loop (508) instead of forwarding it around forever.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hfcache::http {

struct ViaEntry {
  std::string protocol;     // "1.1", "HTTP/1.1", "HTTP/2" as sent
  std::string received_by;  // host[:port] or a pseudonym
  std::string comment;      // without the parentheses; "" when none
};

// The entries of one or more Via field values (joined with ","), in order. Malformed members
// (no received-by, an unclosed comment) are skipped, so one bad hop cannot hide the others.
std::vector<ViaEntry> parse_via(std::string_view value);

// True when an entry of `value` was received by `received_by` (compared case-insensitively).
bool via_contains(std::string_view value, std::string_view received_by);

// `value` with `1.1 received_by (comment)` appended (the comment left out when empty).
std::string append_via(std::string_view value, std::string_view received_by, std::string_view comment = {});

// A pseudonym fit for received-by: characters outside token chars and ':' become '-'.
std::string via_token(std::string_view name);

}  // namespace hfcache::http
