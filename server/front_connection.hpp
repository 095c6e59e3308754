#pragma once
// One client connection of the front (http_front): what it received and not yet consumed, the
// request being read (RequestReader, with the times its deadlines count from), the response being
// written, and when it must be closed. Touched only by its loop's thread, except while a worker holds
// it (State::handed_off), when the worker reads `handover` and writes to `fd` and nothing else.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "http_front.hpp"
#include "request_reader.hpp"

namespace hfcache::server {

struct FrontLoop;

struct Connection {
  using Clock = std::chrono::steady_clock;
  enum class State { reading, writing, handed_off, lingering };

  int fd = -1;
  FrontLoop* loop = nullptr;
  State state = State::reading;
  std::string in;           // received bytes not consumed yet (from in_pos)
  std::size_t in_pos = 0;
  bool peer_closed = false;  // the client shut its side after sending (half-close)
  std::size_t served = 0;    // requests answered on this connection
  Clock::time_point last_activity = Clock::now();

  RequestReader reader;                 // the request being received
  Clock::time_point request_started{};  // its first byte
  Clock::time_point body_started{};     // the end of its head, when it has a body
  std::string handover;                 // a handed-off request, as httplib reads it

  // The response being written by the loop.
  std::string out;
  std::size_t out_sent = 0;
  FastResponse body;        // body.length bytes left from body.offset when body.file is set
  bool close_after = false;
  bool interim = false;      // `out` is a 100 Continue: the request goes on being read after it
  bool no_sendfile = false;  // sendfile refused this file (EINVAL): pread and send

  Clock::time_point linger_until{};  // State::lingering
  std::size_t lingered = 0;

  explicit Connection(const RequestLimits& limits) : reader(limits) {}

  std::string_view pending() const { return std::string_view(in).substr(in_pos); }
  void consume(std::size_t n);
  void compact();

  // Makes `answer` the response to write: its head plus `connection_field` and the empty line; a
  // small body is read now (into `scratch`) and goes out with the head in one write.
  void start_response(FastResponse answer, bool head_only, std::string_view connection_field,
                      std::vector<char>& scratch);
  enum class Sent {
    done,     // the response is out
    blocked,  // wait for the socket to be writable (or let the loop's other connections have a turn)
    failed,   // the client is gone, or the body was cut (a file that shrank, a stop): close now
  };
  // Sends what is pending without blocking; `stopping` cuts a file body short of its Content-Length,
  // as httplib cuts its streamed bodies at stop.
  Sent send_pending(std::vector<char>& scratch, bool stopping);

  enum class Expiry { none, close, request_timeout };
  // Whether the connection has waited too long in its state: idle keep-alive, a head or body arriving
  // too slowly (request_timeout: answer 408), a client not reading, a lingering close.
  Expiry expiry(Clock::time_point now, const FrontOptions& options) const;

 private:
  void advance_body(std::uint64_t n);
};

}  // namespace hfcache::server
