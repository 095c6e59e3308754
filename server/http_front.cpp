#include "http_front.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "front_connection.hpp"
#include "front_refusal.hpp"
#include "front_stream.hpp"
#include "util/fs.hpp"

namespace hfcache::server {
namespace {

using Clock = std::chrono::steady_clock;

// Bodies up to this size are read into the response buffer and sent with the head in one write.
constexpr std::size_t inline_body_max = 64 * 1024;
constexpr std::size_t recv_chunk = 16 * 1024;
// After a response that closes the connection, what the client still sends is read and dropped for
// up to this long (or this many bytes) before the socket closes: closing with unread bytes would
// reset the connection, and a reset can destroy the response before the client has read it.
constexpr std::chrono::seconds linger_time{2};
constexpr std::size_t linger_max_bytes = 1 << 20;
constexpr std::string_view close_field = "Connection: close\r\n";
constexpr Refusal too_slow{
    408, "the request did not arrive in time (http_header_timeout_s, http_body_timeout_s, http_body_min_rate)"};

}  // namespace

struct HttpFront::Impl {
  FrontOptions options;
  FrontHandlers handlers;
  std::atomic<int> listen_fd{-1};
  std::atomic<bool> stop_requested{false};
  std::mutex loops_mutex;  // loops are made by bind() while stop() may run on another thread
  std::vector<std::unique_ptr<FrontLoop>> loops;
  std::unique_ptr<httplib::ThreadPool> workers;
  bool workers_joined = false;

  void join_workers() {
    if (workers && !workers_joined) workers->shutdown();
    workers_joined = true;
  }

  void serve_handed_off(Connection* conn);
};

// One epoll loop: its connections are touched only by its own thread, except while handed off.
struct FrontLoop {
  HttpFront::Impl& front;
  int epoll_fd = -1;
  int wake_fd = -1;  // eventfd: stop, or connections coming back from workers
  bool listening = true;      // the listener is in this loop's epoll set
  bool stop_seen = false;
  Clock::time_point accept_paused_until{};
  std::unordered_map<int, std::unique_ptr<Connection>> connections;
  std::mutex returned_mutex;
  std::deque<std::pair<Connection*, bool>> returned;  // (connection, keep it open)
  Clock::time_point last_sweep = Clock::now();
  std::vector<char> scratch = std::vector<char>(inline_body_max);  // also the largest body sent with its head
  const std::string keep_alive_field;

  // epoll_event.data.ptr for the two non-connection fds.
  static inline char listen_tag = 0;
  static inline char wake_tag = 0;

  explicit FrontLoop(HttpFront::Impl& f)
      : front(f),
        keep_alive_field("Keep-Alive: timeout=" + std::to_string(f.options.keep_alive_timeout.count()) +
                         ", max=" + std::to_string(f.options.keep_alive_max_count) + "\r\n") {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0) throw std::runtime_error(std::string("epoll/eventfd: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &wake_tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
  }
  ~FrontLoop() {
    for (auto& [fd, conn] : connections) ::close(fd);
    if (wake_fd >= 0) ::close(wake_fd);
    if (epoll_fd >= 0) ::close(epoll_fd);
  }

  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void watch_listener(bool on) {
    epoll_event ev{};
    // EPOLLEXCLUSIVE: a new connection wakes one loop, not all of them.
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.ptr = &listen_tag;
    if (on) ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, front.listen_fd, &ev);
    else ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, front.listen_fd, nullptr);
  }

  void arm(Connection& conn, std::uint32_t events) {
    epoll_event ev{};
    // EPOLLRDHUP only while reading: it stays raised after the client's FIN, so waiting to write to a
    // half-closed client with it would wake the loop again and again.
    ev.events = events | EPOLLONESHOT | ((events & EPOLLIN) ? EPOLLRDHUP : 0u);
    ev.data.ptr = &conn;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, conn.fd, &ev);
  }

  void close_connection(Connection* conn) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, conn->fd, nullptr);
    ::close(conn->fd);
    connections.erase(conn->fd);  // destroys conn (and releases any usage lease it held)
  }

  // From a worker thread: the handed-off request is answered.
  void give_back(Connection* conn, bool keep) {
    {
      std::lock_guard lock(returned_mutex);
      returned.emplace_back(conn, keep);
    }
    wake();
  }

  void run() {
    std::vector<epoll_event> events(256);
    while (true) {
      bool stopping = front.stop_requested.load();
      if (stopping && !stop_seen) {
        stop_seen = true;
        if (listening) watch_listener(false);
        listening = false;
        close_idle();
      }
      if (stopping && connections.empty()) break;
      int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 1000);
      if (n < 0 && errno != EINTR) {
        spdlog::error("http: epoll_wait failed: {}; closing this loop's connections", std::strerror(errno));
        std::vector<Connection*> open;
        for (auto& [fd, conn] : connections)
          if (conn->state != Connection::State::handed_off) open.push_back(conn.get());
        for (auto* conn : open) close_connection(conn);
        break;
      }
      for (int i = 0; i < n; ++i) {
        auto* tag = events[i].data.ptr;
        if (tag == &listen_tag) accept_all();
        else if (tag == &wake_tag) take_returned();
        else on_event(static_cast<Connection*>(tag), events[i].events);
      }
      sweep();
    }
  }

  void accept_all() {
    while (true) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = ::accept4(front.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop accepting for a moment instead of spinning on a readable listener.
          spdlog::warn("http: cannot accept a connection: {} (raise LimitNOFILE?)", std::strerror(errno));
          watch_listener(false);
          listening = false;
          accept_paused_until = Clock::now() + std::chrono::seconds(1);
        }
        return;
      }
      int yes = 1;
      // A small response written as head then body would otherwise wait for the client's delayed ACK.
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      auto conn = std::make_unique<Connection>(front.options.limits);
      conn->fd = fd;
      conn->loop = this;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLONESHOT | EPOLLRDHUP;
      ev.data.ptr = conn.get();
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ::close(fd);
        continue;
      }
      connections.emplace(fd, std::move(conn));
    }
  }

  void take_returned() {
    std::uint64_t count;
    [[maybe_unused]] auto r = ::read(wake_fd, &count, sizeof count);
    std::deque<std::pair<Connection*, bool>> batch;
    {
      std::lock_guard lock(returned_mutex);
      batch.swap(returned);
    }
    for (auto [conn, keep] : batch) {
      conn->handover.clear();
      if (conn->handover.capacity() > inline_body_max) conn->handover.shrink_to_fit();
      if (!keep || front.stop_requested) {
        linger(conn);  // httplib wrote its whole response; what the client sends now is dropped
        continue;
      }
      conn->state = Connection::State::reading;
      conn->last_activity = Clock::now();
      process(conn);
    }
  }

  void on_event(Connection* conn, std::uint32_t events) {
    if (conn->state == Connection::State::lingering) return drain(conn);
    if (conn->state == Connection::State::writing) {
      if (events & (EPOLLERR | EPOLLHUP)) return close_connection(conn);
      if (flush(conn) && finish_response(conn)) process(conn);
      return;
    }
    if (!receive(conn)) return close_connection(conn);
    process(conn);
  }

  // Reads what the socket holds (at most a head's worth at a time: the reader consumes bodies as they
  // come). False when the connection is dead.
  bool receive(Connection* conn) {
    conn->compact();
    while (conn->in.size() < front.options.limits.head.section + recv_chunk) {
      ssize_t n = ::recv(conn->fd, scratch.data(), recv_chunk, 0);
      if (n > 0) {
        conn->in.append(scratch.data(), static_cast<std::size_t>(n));
        conn->last_activity = Clock::now();
        continue;
      }
      if (n == 0) {
        conn->peer_closed = true;
        return true;
      }
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    return true;
  }

  // Reads requests from the buffer: each is framed and judged by the connection's RequestReader, then
  // refused, answered on the loop (fast lane) or handed off complete; pipelined ones follow in order.
  void process(Connection* conn) {
    while (conn->state == Connection::State::reading) {
      auto& reader = conn->reader;
      if (reader.idle()) {
        if (conn->pending().empty()) return conn->peer_closed ? close_connection(conn) : arm(*conn, EPOLLIN);
        conn->request_started = Clock::now();
      }
      bool had_head = reader.phase() != RequestReader::Phase::head;
      conn->consume(reader.feed(conn->pending()));
      switch (reader.phase()) {
        case RequestReader::Phase::refused:
          return refuse(conn, reader.refusal());
        case RequestReader::Phase::head:
        case RequestReader::Phase::body:
          if (!had_head && reader.phase() == RequestReader::Phase::body) conn->body_started = Clock::now();
          if (reader.take_continue()) {
            if (send_interim(conn)) continue;
            return;
          }
          if (conn->peer_closed) return refuse(conn, {400, "the connection closed before the request was complete"});
          return arm(*conn, EPOLLIN);
        case RequestReader::Phase::complete:
          break;
      }
      std::optional<FastResponse> answer;
      const auto& head = reader.head();
      if (!reader.framing().has_body() && head.bodiless_read() && !front.stop_requested) {
        try {
          answer = front.handlers.fast(head);
        } catch (const std::exception& e) {
          spdlog::warn("http: fast lane failed, handing over: {}", e.what());
          answer.reset();
        }
      }
      if (!answer) return hand_off(conn);
      conn->served++;
      // A half-closed client still gets answers to every request it sent before its FIN.
      conn->close_after = head.wants_close() || conn->served >= front.options.keep_alive_max_count ||
                          (conn->peer_closed && conn->pending().empty()) || front.stop_requested;
      bool head_only = head.method == "HEAD";
      reader.reset();
      std::string_view connection_field = conn->close_after ? close_field : std::string_view(keep_alive_field);
      conn->start_response(std::move(*answer), head_only, connection_field, scratch);
      if (!flush(conn)) return;  // waits for EPOLLOUT, or the connection is gone
      if (!finish_response(conn)) return;
    }
  }

  // The front's own answer to a request it will not pass on; the connection then closes.
  void refuse(Connection* conn, const Refusal& refusal) {
    if (spdlog::should_log(spdlog::level::debug)) {
      std::string ip;
      int port = 0;
      socket_address(conn->fd, false, ip, port);
      spdlog::debug("http: refused a request from {} with {}: {}", ip, refusal.status, refusal.reason);
    }
    if (front.handlers.refused) front.handlers.refused(refusal.status);
    conn->out = refusal_response(refusal);
    conn->out_sent = 0;
    conn->body = FastResponse{};
    conn->interim = false;
    conn->close_after = true;
    conn->state = Connection::State::writing;
    if (flush(conn)) finish_response(conn);
  }

  // "100 Continue" before the body a client holds back; true when it went out at once.
  bool send_interim(Connection* conn) {
    conn->out.assign(continue_response);
    conn->out_sent = 0;
    conn->interim = true;
    conn->state = Connection::State::writing;
    return flush(conn) && finish_response(conn);
  }

  // Sends what is pending. True when the response is complete; false when it waits for EPOLLOUT or
  // the connection was closed.
  bool flush(Connection* conn) {
    switch (conn->send_pending(scratch, front.stop_requested)) {
      case Connection::Sent::done: return true;
      case Connection::Sent::blocked: arm(*conn, EPOLLOUT); return false;
      case Connection::Sent::failed: break;
    }
    close_connection(conn);
    return false;
  }

  // After a complete response: close, or read the next request. False when the connection is gone or
  // waits for bytes.
  bool finish_response(Connection* conn) {
    conn->out.clear();
    conn->out_sent = 0;
    conn->body = FastResponse{};  // releases the file and the usage lease
    conn->state = Connection::State::reading;
    if (conn->interim) {
      conn->interim = false;  // the same request goes on: its body comes next
      return true;
    }
    if (conn->close_after || front.stop_requested) {
      linger(conn);
      return false;
    }
    conn->last_activity = Clock::now();
    if (conn->in_pos == 0 && conn->in.empty()) {
      arm(*conn, EPOLLIN);
      return false;  // nothing buffered: wait for the next request
    }
    return true;  // a pipelined request is buffered: the caller's loop answers it
  }

  void hand_off(Connection* conn) {
    conn->handover = conn->reader.handover();
    conn->reader.reset();
    conn->state = Connection::State::handed_off;
    front.workers->enqueue([impl = &front, conn] { impl->serve_handed_off(conn); });
  }

  // Close after the last response: our side now, the client's once it has stopped sending.
  void linger(Connection* conn) {
    ::shutdown(conn->fd, SHUT_WR);
    conn->state = Connection::State::lingering;
    conn->linger_until = Clock::now() + linger_time;
    conn->in.clear();
    conn->in_pos = 0;
    drain(conn);
  }

  void drain(Connection* conn) {
    while (true) {
      ssize_t n = ::recv(conn->fd, scratch.data(), recv_chunk, 0);
      if (n > 0 && (conn->lingered += static_cast<std::size_t>(n)) <= linger_max_bytes) continue;
      if (n < 0 && errno == EINTR) continue;
      // At a stop, what has arrived is dropped but nothing more is waited for.
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !front.stop_requested) return arm(*conn, EPOLLIN);
      return close_connection(conn);  // the client closed too, or sends too much, or is gone, or we stop
    }
  }

  // Once a second: connections past their deadline are closed, slow requests with a 408.
  void sweep() {
    auto now = Clock::now();
    if (now - last_sweep < std::chrono::seconds(1)) return;
    last_sweep = now;
    if (!listening && !front.stop_requested && now >= accept_paused_until) {
      watch_listener(true);
      listening = true;
    }
    std::vector<std::pair<Connection*, Connection::Expiry>> expired;
    for (auto& [fd, conn] : connections)
      if (auto e = conn->expiry(now, front.options); e != Connection::Expiry::none) expired.emplace_back(conn.get(), e);
    for (auto [conn, e] : expired) {
      if (e == Connection::Expiry::close) close_connection(conn);
      else refuse(conn, too_slow);
    }
  }

  // At stop: connections waiting for a request (or part of one) go now, and so do file bodies still
  // being sent (as httplib cuts its streamed bodies) and lingering closes; a response already in the
  // buffer finishes.
  void close_idle() {
    std::vector<Connection*> idle;
    for (auto& [fd, conn] : connections)
      if (conn->state == Connection::State::reading || conn->state == Connection::State::lingering ||
          (conn->state == Connection::State::writing && conn->body.length > 0))
        idle.push_back(conn.get());
    for (auto* conn : idle) close_connection(conn);
  }
};

void HttpFront::Impl::serve_handed_off(Connection* conn) {
  bool keep = false;
  try {
    FrontStream stream(conn->fd, conn->handover,
                       std::chrono::duration_cast<std::chrono::milliseconds>(options.write_timeout));
    conn->served++;
    bool close = conn->served >= options.keep_alive_max_count || stop_requested;
    bool closed = false;
    bool ok = handlers.slow(stream, close, closed);
    keep = ok && !closed && !close;
  } catch (const std::exception& e) {
    spdlog::warn("http: request failed: {}", e.what());
  }
  conn->loop->give_back(conn, keep);
}

HttpFront::HttpFront(FrontOptions options, FrontHandlers handlers) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->handlers = std::move(handlers);
}

HttpFront::~HttpFront() {
  impl_->join_workers();
  impl_->loops.clear();
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
}

bool HttpFront::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return false;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  for (auto* ai = found; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    // Restart while old connections sit in TIME_WAIT; no SO_REUSEPORT, so a second hfcached cannot
    // bind the same port and take half the connections.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // IPV6_V6ONLY left to the system (net.ipv6.bindv6only, 0 by default): "[::]:PORT" takes IPv4
    // clients too, as with httplib.
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      impl_->listen_fd = fd;
      start_loops();
      return true;
    }
    ::close(fd);
  }
  return false;
}

void HttpFront::start_loops() {
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  auto loop_count = std::min(4u, cores);
  impl_->workers = std::make_unique<httplib::ThreadPool>(std::max<std::size_t>(impl_->options.workers, 1));
  std::lock_guard lock(impl_->loops_mutex);
  for (unsigned i = 0; i < loop_count; ++i) {
    impl_->loops.push_back(std::make_unique<FrontLoop>(*impl_));
    impl_->loops.back()->watch_listener(true);
  }
}

void HttpFront::run() {
  if (impl_->listen_fd < 0) throw std::logic_error("HttpFront::run before bind");
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->loops.size(); ++i)
    threads.emplace_back([loop = impl_->loops[i].get()] { loop->run(); });
  impl_->loops.front()->run();
  for (auto& t : threads) t.join();
  impl_->join_workers();  // every handed-off request has come back by now
}

void HttpFront::stop() {
  if (impl_->stop_requested.exchange(true)) return;
  // New connections are refused from now on (the backlog is reset), not left waiting for an accept
  // that never comes; the descriptor itself is closed with the front, so its number cannot be reused
  // while a loop still has it in its epoll set.
  if (int fd = impl_->listen_fd.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
  std::lock_guard lock(impl_->loops_mutex);
  for (auto& loop : impl_->loops) loop->wake();
}


}  // namespace hfcache::server
