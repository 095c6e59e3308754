#include "front_refusal.hpp"

#include <nlohmann/json.hpp>

namespace hfcache::server {
namespace {

struct StatusText {
  int status;
  const char* phrase;
  const char* hint;
};

// What a client can do about each refusal; the settings named are hfcached's (README, Configuration).
constexpr StatusText statuses[] = {
    {400, "Bad Request",
     "frame the request as RFC 9112 says (CRLF line ends, one Host, one plain Content-Length or "
     "Transfer-Encoding: chunked alone, no body on GET/HEAD/DELETE); the connection was closed"},
    {408, "Request Timeout",
     "send the request head within http_header_timeout_s and the body at http_body_min_rate bytes/s or faster"},
    {413, "Payload Too Large", "send a smaller body (http_max_body_bytes)"},
    {414, "URI Too Long", "shorten the request target (at most 8192 bytes for the request line)"},
    {417, "Expectation Failed", "send no Expect field, or Expect: 100-continue"},
    {431, "Request Header Fields Too Large",
     "send fewer or smaller header fields (http_max_headers, http_max_header_bytes, 8192 bytes a line)"},
    {501, "Not Implemented", "use GET, HEAD, POST, PUT, DELETE, OPTIONS or PATCH"},
    {505, "HTTP Version Not Supported", "use HTTP/1.1"},
};

}  // namespace

std::string refusal_response(const Refusal& refusal) {
  const StatusText* text = &statuses[0];
  for (const auto& s : statuses)
    if (s.status == refusal.status) text = &s;
  nlohmann::json error = {{"code", "bad_request"}, {"message", std::string(refusal.reason)}, {"hint", text->hint}};
  // The reason is a constant of the front, but a replacing dump can never throw, whatever it holds.
  auto body = nlohmann::json{{"error", error}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::string out = "HTTP/1.1 " + std::to_string(refusal.status) + " " + text->phrase + "\r\n";
  out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += body;
  return out;
}

}  // namespace hfcache::server
