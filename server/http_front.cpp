#include "http_front.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
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

#include "util/fs.hpp"

namespace hfcache::server {
namespace {

using Clock = std::chrono::steady_clock;

// A head that has not ended within this many bytes is httplib's to refuse (414/400, as before).
constexpr std::size_t max_head_bytes = 16 * 1024;
// Bodies up to this size are read into the response buffer and sent with the head in one write.
constexpr std::uint64_t inline_body_max = 64 * 1024;
// sendfile in slices, so one large body does not keep a loop from its other connections.
constexpr std::size_t sendfile_slice = 4 << 20;
constexpr std::size_t recv_chunk = 16 * 1024;

int poll_one(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  while (true) {
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

void numeric_address(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

struct Loop;

struct Connection {
  enum class State { reading, writing, handed_off };

  int fd = -1;
  Loop* loop = nullptr;
  State state = State::reading;
  std::string in;           // received bytes not consumed yet (from in_pos)
  std::size_t in_pos = 0;
  bool peer_closed = false;  // the client shut its side after sending (half-close)
  std::size_t served = 0;    // requests answered on this connection
  Clock::time_point last_activity = Clock::now();

  // The response being written by the loop.
  std::string out;
  std::size_t out_sent = 0;
  FastResponse body;        // body.length bytes left from body.offset when body.file is set
  bool close_after = false;
  bool no_sendfile = false;  // sendfile refused this file (EINVAL): pread and send

  std::string_view pending() const { return std::string_view(in).substr(in_pos); }
  void consume(std::size_t n) {
    in_pos += n;
    if (in_pos == in.size()) {
      in.clear();
      in_pos = 0;
    }
  }
  void compact() {
    if (in_pos == 0) return;
    in.erase(0, in_pos);
    in_pos = 0;
  }
};

// httplib's view of a handed-off connection: the bytes the loop read first, then the socket itself,
// with the read and write timeouts httplib's own SocketStream would apply.
class FrontStream final : public httplib::Stream {
 public:
  FrontStream(Connection& conn, const FrontOptions& options) : conn_(conn), options_(options) {}

  bool is_readable() const override {
    return !conn_.pending().empty() ||
           poll_one(conn_.fd, POLLIN, std::chrono::duration_cast<std::chrono::milliseconds>(options_.read_timeout)) > 0;
  }
  bool is_writable() const override {
    return poll_one(conn_.fd, POLLOUT,
                    std::chrono::duration_cast<std::chrono::milliseconds>(options_.write_timeout)) > 0;
  }

  ssize_t read(char* ptr, std::size_t size) override {
    if (conn_.pending().empty()) {
      conn_.compact();
      char buf[recv_chunk];
      while (true) {
        if (!is_readable()) return -1;
        ssize_t n = ::recv(conn_.fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (n <= 0) return n;
        conn_.in.assign(buf, static_cast<std::size_t>(n));
        break;
      }
    }
    auto avail = conn_.pending();
    auto n = std::min(size, avail.size());
    std::memcpy(ptr, avail.data(), n);
    conn_.consume(n);
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    std::size_t sent = 0;
    while (sent < size) {
      ssize_t n = ::send(conn_.fd, ptr + sent, size - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && is_writable()) continue;
      return -1;
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(conn_.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) numeric_address(addr, len, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(conn_.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) numeric_address(addr, len, ip, port);
  }
  int socket() const override { return conn_.fd; }

 private:
  Connection& conn_;
  const FrontOptions& options_;
};

}  // namespace

struct HttpFront::Impl {
  FrontOptions options;
  FrontHandlers handlers;
  std::atomic<int> listen_fd{-1};
  std::atomic<bool> stop_requested{false};
  std::mutex loops_mutex;  // loops are made by bind() while stop() may run on another thread
  std::vector<std::unique_ptr<Loop>> loops;
  std::unique_ptr<httplib::ThreadPool> workers;
  bool workers_joined = false;

  void join_workers() {
    if (workers && !workers_joined) workers->shutdown();
    workers_joined = true;
  }

  void serve_handed_off(Connection* conn);
};

namespace {

// One epoll loop: its connections are touched only by its own thread, except while handed off.
struct Loop {
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
  std::vector<char> scratch = std::vector<char>(inline_body_max);

  // epoll_event.data.ptr for the two non-connection fds.
  static inline char listen_tag = 0;
  static inline char wake_tag = 0;

  explicit Loop(HttpFront::Impl& f) : front(f) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0) throw std::runtime_error(std::string("epoll/eventfd: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &wake_tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
  }
  ~Loop() {
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
      auto conn = std::make_unique<Connection>();
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
      if (!keep || front.stop_requested) {
        close_connection(conn);
        continue;
      }
      conn->state = Connection::State::reading;
      conn->last_activity = Clock::now();
      process(conn);
    }
  }

  void on_event(Connection* conn, std::uint32_t events) {
    if (conn->state == Connection::State::writing) {
      if (events & (EPOLLERR | EPOLLHUP)) return close_connection(conn);
      if (flush(conn) && finish_response(conn)) process(conn);
      return;
    }
    if (!receive(conn)) return close_connection(conn);
    process(conn);
  }

  // Reads what the socket holds. False when the connection is dead.
  bool receive(Connection* conn) {
    conn->compact();
    while (conn->in.size() < max_head_bytes + recv_chunk) {
      ssize_t n = ::recv(conn->fd, scratch.data(), recv_chunk, 0);
      if (n > 0) {
        conn->in.append(scratch.data(), static_cast<std::size_t>(n));
        conn->last_activity = Clock::now();
        continue;
      }
      if (n == 0) {
        conn->peer_closed = true;
        return !conn->in.empty();
      }
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    return true;
  }

  // Answer every complete request in the buffer the fast lane takes; hand the first other one off.
  void process(Connection* conn) {
    while (conn->state == Connection::State::reading) {
      auto pending = conn->pending();
      if (pending.empty() && conn->peer_closed) return close_connection(conn);
      auto head = parse_request_head(pending);
      if (!head) {
        if (pending.size() >= max_head_bytes) return hand_off(conn);
        if (conn->peer_closed) return hand_off(conn);  // httplib answers the truncated request as before
        return arm(*conn, EPOLLIN);
      }
      std::optional<FastResponse> answer;
      if (head->bodiless_read() && !front.stop_requested) {
        try {
          answer = front.handlers.fast(*head);
        } catch (const std::exception& e) {
          spdlog::warn("http: fast lane failed, handing over: {}", e.what());
          answer.reset();
        }
      }
      if (!answer) return hand_off(conn);
      conn->consume(head->length);
      conn->served++;
      // A half-closed client still gets answers to every request it sent before its FIN.
      conn->close_after = head->wants_close() || conn->served >= front.options.keep_alive_max_count ||
                          (conn->peer_closed && conn->pending().empty()) || front.stop_requested;
      start_response(conn, std::move(*answer), head->method == "HEAD");
      if (!flush(conn)) return;  // waits for EPOLLOUT, or the connection is gone
      if (!finish_response(conn)) return;
    }
  }

  void start_response(Connection* conn, FastResponse answer, bool head_only) {
    conn->out = std::move(answer.head);
    if (conn->close_after) {
      conn->out += "Connection: close\r\n";
    } else {
      conn->out += "Keep-Alive: timeout=" + std::to_string(front.options.keep_alive_timeout.count()) +
                   ", max=" + std::to_string(front.options.keep_alive_max_count) + "\r\n";
    }
    conn->out += "\r\n";
    conn->out_sent = 0;
    conn->body = std::move(answer);
    if (head_only || !conn->body.file) conn->body.length = 0;
    if (conn->body.length > 0 && conn->body.length <= inline_body_max) {
      // Small bodies go out with the head in one write.
      auto want = static_cast<std::size_t>(conn->body.length);
      std::size_t got = 0;
      while (got < want) {
        ssize_t n = ::pread(conn->body.file->get(), scratch.data() + got, want - got,
                            static_cast<off_t>(conn->body.offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      conn->out.append(scratch.data(), got);
      if (conn->body.bytes_sent) *conn->body.bytes_sent += got;
      // A file that shrank under us: what was read goes out, then the connection closes short of
      // Content-Length, which every client takes as a failed transfer.
      if (got < want) conn->close_after = true;
      conn->body.length = 0;
    }
    conn->state = Connection::State::writing;
  }

  // Sends what is pending. True when the response is complete; false when it waits for EPOLLOUT or
  // the connection was closed.
  bool flush(Connection* conn) {
    while (true) {
      while (conn->out_sent < conn->out.size()) {
        int flags = MSG_NOSIGNAL | (conn->body.length > 0 ? MSG_MORE : 0);
        ssize_t n = ::send(conn->fd, conn->out.data() + conn->out_sent, conn->out.size() - conn->out_sent, flags);
        if (n > 0) {
          conn->out_sent += static_cast<std::size_t>(n);
          conn->last_activity = Clock::now();
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          arm(*conn, EPOLLOUT);
          return false;
        }
        close_connection(conn);
        return false;
      }
      if (conn->body.length == 0) return true;
      if (front.stop_requested) {
        // As httplib cuts its streamed bodies at stop: short of Content-Length, clients retry or resume.
        close_connection(conn);
        return false;
      }
      if (!conn->no_sendfile) {
        auto offset = static_cast<off_t>(conn->body.offset);
        auto slice = static_cast<std::size_t>(std::min<std::uint64_t>(conn->body.length, sendfile_slice));
        ssize_t n = ::sendfile(conn->fd, conn->body.file->get(), &offset, slice);
        if (n > 0) {
          advance_body(conn, static_cast<std::uint64_t>(n));
          if (conn->body.length > 0 && static_cast<std::size_t>(n) == slice) {
            arm(*conn, EPOLLOUT);  // let the loop's other connections have a turn
            return false;
          }
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          arm(*conn, EPOLLOUT);
          return false;
        }
        if (n < 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
          conn->no_sendfile = true;  // a file system without splice support: read and send instead
          continue;
        }
        close_connection(conn);  // the file shrank (n == 0) or the peer is gone: cut short of Content-Length
        return false;
      }
      // Without sendfile: the next slice of the file becomes the pending output.
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(conn->body.length, scratch.size()));
      ssize_t n = ::pread(conn->body.file->get(), scratch.data(), want, static_cast<off_t>(conn->body.offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close_connection(conn);
        return false;
      }
      conn->out.assign(scratch.data(), static_cast<std::size_t>(n));
      conn->out_sent = 0;
      advance_body(conn, static_cast<std::uint64_t>(n));
    }
  }

  void advance_body(Connection* conn, std::uint64_t n) {
    conn->body.offset += n;
    conn->body.length -= n;
    conn->last_activity = Clock::now();
    if (conn->body.bytes_sent) *conn->body.bytes_sent += n;
  }

  // After a complete response: close, or read the next request. False when the connection is gone.
  bool finish_response(Connection* conn) {
    conn->out.clear();
    conn->out_sent = 0;
    conn->body = FastResponse{};  // releases the file and the usage lease
    if (conn->close_after || front.stop_requested) {
      ::shutdown(conn->fd, SHUT_WR);
      close_connection(conn);
      return false;
    }
    conn->state = Connection::State::reading;
    conn->last_activity = Clock::now();
    if (conn->in_pos == 0 && conn->in.empty()) {
      arm(*conn, EPOLLIN);
      return false;  // nothing buffered: wait for the next request
    }
    return true;  // a pipelined request is buffered: the caller's loop answers it
  }

  void hand_off(Connection* conn) {
    conn->state = Connection::State::handed_off;
    front.workers->enqueue([impl = &front, conn] { impl->serve_handed_off(conn); });
  }

  // Idle keep-alive connections past their timeout, slow requests and stalled writes are closed.
  void sweep() {
    auto now = Clock::now();
    if (now - last_sweep < std::chrono::seconds(1)) return;
    last_sweep = now;
    if (!listening && !front.stop_requested && now >= accept_paused_until) {
      watch_listener(true);
      listening = true;
    }
    std::vector<Connection*> expired;
    for (auto& [fd, conn] : connections) {
      std::chrono::seconds limit;
      if (conn->state == Connection::State::handed_off) continue;
      if (conn->state == Connection::State::writing) limit = front.options.write_timeout;
      else if (conn->pending().empty()) limit = front.options.keep_alive_timeout;
      else limit = front.options.read_timeout;
      if (now - conn->last_activity >= limit) expired.push_back(conn.get());
    }
    for (auto* conn : expired) close_connection(conn);
  }

  // At stop: connections waiting for a request go now, and so do file bodies still being sent (as
  // httplib cuts its streamed bodies); a response already in the buffer finishes.
  void close_idle() {
    std::vector<Connection*> idle;
    for (auto& [fd, conn] : connections)
      if (conn->state == Connection::State::reading ||
          (conn->state == Connection::State::writing && conn->body.length > 0))
        idle.push_back(conn.get());
    for (auto* conn : idle) close_connection(conn);
  }
};

}  // namespace

void HttpFront::Impl::serve_handed_off(Connection* conn) {
  bool keep = false;
  try {
    FrontStream stream(*conn, options);
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
    impl_->loops.push_back(std::make_unique<Loop>(*impl_));
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
