#pragma once
// The head of one HTTP/1.x request, parsed strictly (RFC 9112 sections 2 to 5) by the front before
// either lane sees it: the request line and the field lines, within limits that keep a head small.
// What the parser refuses gets its status (400, 414, 431, 501, 505) and the connection closes; what
// it accepts is passed on as parsed, so cpp-httplib (laxer: it skips lines without a colon, keeps
// spaces before one, takes bare LF) never reads a head the front read differently.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfcache::server {

// Why a request is refused: its status and a constant phrase (static storage, plain ASCII without
// quotes or backslashes) for the error body and the log. Status 0: not refused.
struct Refusal {
  int status = 0;
  std::string_view reason;
  explicit operator bool() const { return status != 0; }
};

struct HeadLimits {
  // Both include the line's CRLF, as cpp-httplib counts: it answers 414 for a longer request line
  // and 400 for a longer field line, so neither may grow past its 8192.
  static constexpr std::size_t request_line = 8192;  // longer: 414
  static constexpr std::size_t field_line = 8192;    // longer: 431
  std::size_t section = 32 * 1024;  // the whole head, request line and empty line included; larger: 431
  std::size_t fields = 100;         // field lines; more: 431
};

struct RequestHead {
  std::string method;
  std::string target;
  std::string version;
  std::vector<std::pair<std::string, std::string>> headers;  // values trimmed of spaces and tabs
  std::size_t length = 0;  // bytes of the head, from the start of the buffer to the empty line included

  // The first field named `name` (case-insensitive), or null.
  const std::string* header(std::string_view name) const;
  // How many fields are named `name`.
  std::size_t count(std::string_view name) const;
  // GET or HEAD over HTTP/1.1 with no body and nothing to negotiate (Expect, Upgrade): the requests a
  // keep-alive fast lane can answer completely from the head alone, as httplib would.
  bool bodiless_read() const;
  // The client asked to close the connection after this response: `Connection: close` exactly, the
  // comparison cpp-httplib makes (both lanes must agree).
  bool wants_close() const;
};

// How far a head still arriving has been looked at, kept by the caller between calls on a growing
// buffer (a fresh value for each request), so a head sent a byte at a time is scanned once.
struct HeadScan {
  std::size_t position = 0;    // bytes looked at
  std::size_t line_start = 0;  // where the line being received starts
  std::size_t lines = 0;       // complete lines, the request line included
  bool started = false;        // the request line has begun (empty lines before it are skipped)
  std::size_t request_line = 0;  // where it begins
};

struct HeadParse {
  enum class State { incomplete, complete, refused };
  State state = State::incomplete;
  RequestHead head;  // when complete
  Refusal refusal;   // when refused
};

// The head at the start of `buffer`. Incomplete until the empty line arrives, unless what came already
// is refused (a bare LF, a line or head over its limit). Empty lines before the request line are
// skipped, as RFC 9112 section 2.2 asks. Bytes after the head (a body, the next request) are not read.
HeadParse parse_request_head(std::string_view buffer, const HeadLimits& limits, HeadScan& scan);
HeadParse parse_request_head(std::string_view buffer, const HeadLimits& limits = {});

}  // namespace hfcache::server
