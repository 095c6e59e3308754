#pragma once
// The daemon's connections. A few epoll loops (one per core, at most 4) own every socket: they
// accept, wait out keep-alive idleness and read whole requests (head and body, against deadlines)
// without a thread per connection. Every request is framed and judged once, by RequestReader, before
// either lane sees it; what it refuses is answered on the loop with its status and the connection
// closes. A request the fast lane can answer completely (a cached mirror file: GET/HEAD, no body) is
// answered on the loop itself, the body sent with sendfile. Every other request is handed, complete
// and re-framed, to a worker thread that runs cpp-httplib's request handling; after the response the
// connection returns to its loop. So a slow client only ever holds a loop's memory, never a worker.
// cpp-httplib alone gives one thread per keep-alive connection: 64 clients on 2 cores were 64 threads
// switching (bench/serve).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "request_head.hpp"
#include "request_reader.hpp"

namespace httplib {
class Stream;
}
namespace hfcache::util {
class UniqueFd;
}

namespace hfcache::server {

// A complete answer the loop can send without asking anyone: the status line and header fields (each
// ending in CRLF; the front adds Connection or Keep-Alive and the empty line), then `length` bytes of
// `file` from `offset`.
struct FastResponse {
  std::string head;
  std::shared_ptr<util::UniqueFd> file;  // null: no body
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::shared_ptr<void> hold;                          // kept until the body is sent (usage lease)
  std::atomic<std::uint64_t>* bytes_sent = nullptr;    // body bytes, counted as they go out
};

struct FrontHandlers {
  // On a loop thread, for a well-formed bodiless GET/HEAD: an answer that needs no upstream, no wait
  // and no write, or nullopt to hand the request to `slow`. Must not throw.
  std::function<std::optional<FastResponse>(const RequestHead&)> fast;
  // On a worker thread: read one request from `stream` and answer it (cpp-httplib). Returns false when
  // the connection must close; sets `connection_closed` when the request asked for that.
  std::function<bool(httplib::Stream& stream, bool close_connection, bool& connection_closed)> slow;
  // On a loop thread, when the front refused a request with `status` (optional; must not throw).
  std::function<void(int status)> refused;
};

struct FrontOptions {
  std::size_t workers = 96;  // threads for handed-off requests (each streaming response holds one)
  std::size_t keep_alive_max_count = 1000;
  std::chrono::seconds keep_alive_timeout{5};  // idle connections; also how long one delays a stop
  std::chrono::seconds write_timeout{60};      // a client not reading
  RequestLimits limits;                         // head and body sizes (413, 414, 431)
  std::chrono::seconds header_timeout{10};      // a head must be whole this long after its first byte (408)
  // A body gets body_timeout, plus a second for every body_min_rate bytes received (408 after that).
  std::chrono::seconds body_timeout{10};
  std::uint64_t body_min_rate = 1024;
};

class HttpFront {
 public:
  HttpFront(FrontOptions options, FrontHandlers handlers);
  ~HttpFront();
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // Bind and listen (SO_REUSEADDR only: a second daemon must not share the port; backlog SOMAXCONN).
  // False when the address is taken or not available.
  bool bind(const std::string& host, int port);
  // Serve until stop(); returns once no connection is left (requests in flight have finished).
  void run();
  // Any thread, idempotent: stop accepting, close idle connections, let requests in flight finish.
  void stop();

  struct Impl;  // the loops and workers (http_front.cpp)

 private:
  void start_loops();

  std::unique_ptr<Impl> impl_;
};

}  // namespace hfcache::server
