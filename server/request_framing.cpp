#include "request_framing.hpp"

#include <string_view>

#include "util/strings.hpp"

namespace hfcache::server {
namespace {

using util::iequals;

// Methods whose requests carry content (RFC 9110 section 9.3); on any other, a body is refused
// rather than left unread, where it would be parsed as the next request.
bool takes_body(std::string_view method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

// Calls fn(element) for each element of a comma-separated list, trimmed; empty elements are skipped
// (RFC 9110 section 5.6.1).
template <typename Fn>
bool each_element(std::string_view list, Fn fn) {
  while (true) {
    auto comma = list.find(',');
    auto element = util::trim(list.substr(0, comma), " \t");
    if (!element.empty() && !fn(element)) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

// 1*DIGIT without overflow.
bool parse_decimal(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

FramingDecision refuse(int status, std::string_view reason) { return {{}, {status, reason}}; }

}  // namespace

FramingDecision decide_framing(const RequestHead& head, std::uint64_t max_body) {
  // RFC 9112 section 3.2: a request names its host once (a second one is where a proxy and we could
  // each read a different one).
  auto hosts = head.count("Host");
  if (hosts > 1) return refuse(400, "more than one Host field");
  if (hosts == 0 && head.version == "HTTP/1.1") return refuse(400, "no Host field (HTTP/1.1 requires one)");

  FramingDecision out;
  auto& framing = out.framing;
  const bool has_length = head.count("Content-Length") > 0;
  if (auto codings = head.count("Transfer-Encoding")) {
    if (has_length) return refuse(400, "both Content-Length and Transfer-Encoding");
    if (head.version != "HTTP/1.1") return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (codings > 1) return refuse(400, "Transfer-Encoding given more than once");
    // Only chunked alone: another coding before it would have to be decoded, one after it leaves the
    // end of the body unknown (RFC 9112 section 6.3).
    int elements = 0;
    bool chunked_only = each_element(*head.header("Transfer-Encoding"), [&](std::string_view coding) {
      ++elements;
      return iequals(coding, "chunked");
    });
    if (!chunked_only || elements != 1) return refuse(400, "a Transfer-Encoding other than chunked alone");
    framing.kind = BodyFraming::Kind::chunked;
  } else if (has_length) {
    // Repeated field lines and list elements must all be one and the same decimal number.
    std::string_view first;
    bool valid = true, same = true;
    for (const auto& [name, value] : head.headers) {
      if (!iequals(name, "Content-Length")) continue;
      valid = each_element(value, [&](std::string_view element) {
                std::uint64_t ignored;
                if (!parse_decimal(element, ignored)) return false;
                if (first.empty()) first = element;
                same = same && element == first;
                return true;
              }) && valid;
    }
    if (!valid || first.empty()) return refuse(400, "Content-Length is not a decimal number (or too large to read)");
    if (!same) return refuse(400, "Content-Length values differ");
    parse_decimal(first, framing.length);
    framing.kind = BodyFraming::Kind::length;
  }
  if (framing.has_body() && !takes_body(head.method))
    return refuse(400, "a body on a method that takes none (GET, HEAD, DELETE, OPTIONS)");
  if (framing.kind == BodyFraming::Kind::length && framing.length > max_body)
    return refuse(413, "the body is larger than http_max_body_bytes");

  for (const auto& [name, value] : head.headers) {
    if (!iequals(name, "Expect")) continue;
    if (!iequals(value, "100-continue")) return refuse(417, "an Expect other than 100-continue");
    framing.expect_continue = framing.has_body();
  }
  return out;
}

}  // namespace hfcache::server
