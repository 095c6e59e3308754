#pragma once
// The head of one HTTP/1.x request as the event-driven front (http_front) sees it: the request line
// and the header fields, parsed just far enough to decide whether the fast lane may answer (a cached
// mirror file) and where the head ends. Anything the fast lane does not take goes to cpp-httplib with
// the very same bytes, so this parser never needs to be lenient: what it finds odd, httplib judges.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfcache::server {

struct RequestHead {
  std::string method;
  std::string target;
  std::string version;
  std::vector<std::pair<std::string, std::string>> headers;  // values trimmed of spaces and tabs
  std::size_t length = 0;  // bytes of the head, the blank line included
  std::size_t longest_line = 0;
  // False for anything but a strict, well-formed head (bare LF line ends, folded or nameless fields,
  // a malformed request line): such requests are httplib's to answer.
  bool well_formed = false;

  // The first field named `name` (case-insensitive), or null.
  const std::string* header(std::string_view name) const;
  // How many fields are named `name`.
  std::size_t count(std::string_view name) const;
  // GET or HEAD over HTTP/1.1 with no body and nothing to negotiate (Expect, Upgrade), within
  // cpp-httplib's limits (8192-byte target and lines): the requests a keep-alive fast lane can answer
  // completely from the head alone, as httplib would.
  bool bodiless_read() const;
  // The client asked to close the connection after this response: `Connection: close` exactly, the
  // comparison cpp-httplib makes (both lanes must agree).
  bool wants_close() const;
};

// nullopt until `buffer` holds a complete head (up to and including the first empty line). Bytes after
// it (a body, a pipelined request) are left alone.
std::optional<RequestHead> parse_request_head(std::string_view buffer);

}  // namespace hfcache::server
