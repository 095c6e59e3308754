#pragma once
// Where the body of a request ends, decided once from its head as RFC 9112 section 6 says, and
// refused whenever two parsers could disagree: Content-Length with Transfer-Encoding, any transfer
// coding but one final chunked, a Content-Length that is not one plain decimal number, a body on a
// method that takes none. Also the head rules that pick which request a proxy and we both see
// (exactly one Host) and Expect. A refused request ends its connection: its end is unknown.
#include <cstdint>

#include "request_head.hpp"

namespace hfcache::server {

struct BodyFraming {
  enum class Kind { none, length, chunked };
  Kind kind = Kind::none;
  std::uint64_t length = 0;      // Kind::length: the bytes that follow the head
  bool expect_continue = false;  // the client waits for "100 Continue" before it sends the body

  bool has_body() const { return kind == Kind::chunked || (kind == Kind::length && length > 0); }
};

struct FramingDecision {
  BodyFraming framing;
  Refusal refusal;  // set: the request is refused with this status
};

// The framing of `head`'s body; bodies over `max_body` bytes (declared by Content-Length) are 413.
FramingDecision decide_framing(const RequestHead& head, std::uint64_t max_body);

}  // namespace hfcache::server
