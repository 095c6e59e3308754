#pragma once
// One request read off a connection as RFC 9112 frames it, before either lane acts on it: the head
// (request_head), the framing of its body (request_framing), then the body itself, de-chunked
// (chunked_decoder). The one place that decides where a request ends: bytes of the next request are
// never consumed, and a refused request leaves the rest of the connection unread (it must close).
// cpp-httplib is given only what this reader wrote (handover()), never the client's own framing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chunked_decoder.hpp"
#include "request_framing.hpp"
#include "request_head.hpp"

namespace hfcache::server {

struct RequestLimits {
  HeadLimits head;
  std::uint64_t max_body = 1 << 20;  // bytes, after de-chunking; more: 413
};

class RequestReader {
 public:
  enum class Phase { head, body, complete, refused };

  explicit RequestReader(RequestLimits limits = {}) : limits_(limits) {}

  // Reads from the start of `buffer`, the connection's bytes not consumed yet; returns how many it
  // consumed (the head once complete, then body bytes). Call again as more bytes arrive.
  std::size_t feed(std::string_view buffer);
  Phase phase() const { return phase_; }
  // No byte of this request has been seen: the connection is idle between requests.
  bool idle() const { return phase_ == Phase::head && !scan_.started && scan_.position == 0; }

  // From Phase::body on.
  const RequestHead& head() const { return head_; }
  const BodyFraming& framing() const { return framing_; }
  std::uint64_t body_bytes() const { return body_received_; }  // as received, chunk framing included
  // Once, when the head asked for "100 Continue" and no byte of the body has come yet.
  bool take_continue();
  // Phase::refused.
  const Refusal& refusal() const { return refusal_; }

  // Phase::complete: the request as cpp-httplib must read it: the request line and fields as parsed
  // (one "name: value" per line) without Transfer-Encoding, Expect and Content-Length, then exactly
  // one Content-Length and the decoded body.
  std::string handover() const;

  // Ready for the next request on the same connection.
  void reset();

 private:
  void refuse(Refusal refusal);

  RequestLimits limits_;
  Phase phase_ = Phase::head;
  HeadScan scan_;
  RequestHead head_;
  BodyFraming framing_;
  std::optional<ChunkedDecoder> chunked_;
  std::string body_;
  std::uint64_t body_received_ = 0;
  bool continue_sent_ = false;
  Refusal refusal_;
};

}  // namespace hfcache::server
