#pragma once
// The body of a request sent with `Transfer-Encoding: chunked` (RFC 9112 section 7.1), decoded as it
// arrives, strictly: every line ends in CRLF (a bare LF or CR is refused), sizes are hex without
// overflow, chunk extensions follow their grammar (and are ignored), trailer fields follow the field
// grammar (and are dropped), and at most `max_body` bytes are decoded (more: 413). What it refuses
// ends the connection, since the end of the body is no longer known.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "request_head.hpp"

namespace hfcache::server {

class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(std::uint64_t max_body) : max_body_(max_body) {}

  // Decodes from the start of `in`, appending the data to `body`; returns the bytes consumed. Stops
  // at the end of the body (done()) or at the first fault (refusal()); later bytes are not read.
  std::size_t feed(std::string_view in, std::string& body);
  bool done() const { return state_ == State::done; }
  const Refusal& refusal() const { return refusal_; }

 private:
  enum class State { size_line, data, data_cr, data_lf, trailer_line, done, failed };

  // A chunk-size line or a trailer line once its CRLF has come.
  void end_size_line(std::string_view line, const std::string& body);
  void end_trailer_line(std::string_view line);
  void fail(Refusal refusal);

  std::uint64_t max_body_;
  State state_ = State::size_line;
  std::string line_;             // the line being received (bounded)
  std::uint64_t remaining_ = 0;  // data bytes left in the current chunk
  std::size_t trailer_bytes_ = 0;
  Refusal refusal_;
};

// chunk-ext (RFC 9112 section 7.1.1): *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ).
bool is_chunk_extension(std::string_view text);

}  // namespace hfcache::server
