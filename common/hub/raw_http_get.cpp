#include "hub/raw_http_get.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "util/strings.hpp"

namespace hfcache::hub {
namespace {

using Kind = TransportError::Kind;

// A response head (status line and headers) longer than this is refused.
constexpr std::size_t max_head_bytes = 64 * 1024;
// A chunk-size or trailer line longer than this is refused.
constexpr std::size_t max_line_bytes = 8 * 1024;

std::string seconds_text(std::chrono::milliseconds ms) {
  auto count = ms.count();
  if (count % 1000 == 0) return std::to_string(count / 1000) + " s";
  return std::to_string(count) + " ms";
}

bool has_line_break(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// ---- TLS contexts ---------------------------------------------------------------------------

struct ContextFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

// One client context per CA source, built on first use (loading the system store takes a few
// milliseconds) and shared by every connection; SSL_CTX is safe to share between threads.
// Failures are not cached: the file may be fixed before the next attempt.
SSL_CTX* client_context(const std::string& ca_bundle) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<SSL_CTX, ContextFree>> contexts;
  std::lock_guard lock(mutex);
  if (auto it = contexts.find(ca_bundle); it != contexts.end()) return it->second.get();
  std::unique_ptr<SSL_CTX, ContextFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return nullptr;
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // An EOF without close_notify ends a body framed by the connection like any EOF; bodies with a
  // length are checked against it, and every blob against its hash.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_AUTO_RETRY);
  // Read from the socket in large blocks, so that several records are at hand per read_some.
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  SSL_CTX_set_default_read_buffer_len(ctx.get(), 256 * 1024);
  int loaded = ca_bundle.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                                 : SSL_CTX_load_verify_locations(ctx.get(), ca_bundle.c_str(), nullptr);
  if (loaded != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return contexts.emplace(ca_bundle, std::move(ctx)).first->second.get();
}

// SIGPIPE blocked in this thread while OpenSSL writes to a socket the peer may have closed
// (OpenSSL writes with write(), not send(MSG_NOSIGNAL)); a SIGPIPE raised meanwhile is consumed.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
  }
  ~SigpipeBlock() {
    if (sigismember(&old_, SIGPIPE) != 1) {  // we blocked it: drop what we caused, then unblock
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        timespec zero{};
        while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t old_{};
};

// ---- The connection -------------------------------------------------------------------------

class Connection {
 public:
  Connection(const Url& url, const TransportOptions& options) : url_(url), options_(options) {}
  ~Connection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  std::optional<TransportError> open() {
    if (auto error = connect_tcp()) return error;
    if (url_.scheme == "https") return handshake();
    return std::nullopt;
  }

  bool send_all(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      if (ssl_ != nullptr) {
        std::size_t n = 0;
        if (SSL_write_ex(ssl_, data.data() + done, data.size() - done, &n) != 1) {
          ERR_clear_error();
          return false;
        }
        done += n;
        continue;
      }
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Up to `size` bytes: what one recv (or the TLS records already received) gives. 0 at the end
  // of the stream, -1 when the connection broke or stayed silent for the read timeout.
  std::ptrdiff_t read_some(char* data, std::size_t size) {
    if (ssl_ == nullptr) {
      for (;;) {
        ssize_t n = ::recv(fd_, data, size, 0);
        if (n < 0 && errno == EINTR) continue;
        return n;
      }
    }
    // SSL_read gives one record (16 KiB) at a time: gather the records that are already here.
    std::size_t total = 0;
    while (total < size) {
      std::size_t n = 0;
      if (SSL_read_ex(ssl_, data + total, size - total, &n) != 1) {
        int code = SSL_get_error(ssl_, 0);
        ERR_clear_error();
        if (total > 0) break;  // report the failure (or the end) on the next call
        return code == SSL_ERROR_ZERO_RETURN ? 0 : -1;
      }
      total += n;
      if (SSL_pending(ssl_) <= 0 && SSL_has_pending(ssl_) != 1) break;
    }
    return static_cast<std::ptrdiff_t>(total);
  }

  void close_notify() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      ERR_clear_error();
    }
  }

 private:
  std::optional<TransportError> connect_tcp() {
    const std::string host = url_.authority();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(url_.port);
    TransportError refused{Kind::connect, "cannot connect to " + host +
                                              " (name not resolved, connection refused or network unreachable)"};
    if (::getaddrinfo(url_.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) return refused;
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
    bool timed_out = false;
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
      if (fd < 0) continue;
      switch (connect_one(fd, ai)) {
        case Outcome::ok:
          fd_ = fd;
          return configure();
        case Outcome::timeout:
          timed_out = true;
          break;
        case Outcome::failed:
          break;
      }
      ::close(fd);
    }
    if (timed_out) {
      return TransportError{Kind::timeout,
                            "timed out connecting to " + host + " after " + seconds_text(options_.connect_timeout)};
    }
    return refused;
  }

  enum class Outcome { ok, timeout, failed };

  Outcome connect_one(int fd, const addrinfo* ai) const {
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return Outcome::ok;
    if (errno != EINPROGRESS && errno != EINTR) return Outcome::failed;
    auto deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Outcome::timeout;
      pollfd p{fd, POLLOUT, 0};
      int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count() + 1, 1 << 30)));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return Outcome::failed;
      if (ready == 0) continue;  // the deadline check above decides
      int error = 0;
      socklen_t len = sizeof error;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) return Outcome::failed;
      return Outcome::ok;
    }
  }

  // Blocking from here on; reads and writes give up after the read timeout without progress.
  std::optional<TransportError> configure() {
    int flags = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &flags, sizeof flags);
    auto ms = options_.read_timeout.count();
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    // Clear O_NONBLOCK (set for the connect timeout).
    int now = ::fcntl(fd_, F_GETFL);
    if (now < 0 || ::fcntl(fd_, F_SETFL, now & ~O_NONBLOCK) < 0) {
      return TransportError{Kind::connect, "cannot set up the connection to " + url_.authority()};
    }
    return std::nullopt;
  }

  std::optional<TransportError> handshake() {
    const std::string host = url_.authority();
    SSL_CTX* ctx = client_context(options_.ca_bundle);
    if (ctx == nullptr) {
      return TransportError{Kind::tls_setup, "cannot load CA certificates from " +
                                                 (options_.ca_bundle.empty() ? std::string("the system store")
                                                                             : "'" + options_.ca_bundle + "'") +
                                                 "; set ca_bundle (or SSL_CERT_FILE) to a readable PEM file"};
    }
    ssl_ = SSL_new(ctx);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
      ERR_clear_error();
      return TransportError{Kind::tls, "TLS handshake with " + host + " failed"};
    }
    bool is_ip = url_.host.find(':') != std::string::npos ||
                 url_.host.find_first_not_of("0123456789.") == std::string::npos;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int named = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str())
                      : X509_VERIFY_PARAM_set1_host(param, url_.host.c_str(), url_.host.size());
    // SSL_set_tlsext_host_name, spelled out: the macro casts in the old style.
    if (named != 1 || (!is_ip && SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                          const_cast<char*>(url_.host.c_str())) != 1)) {
      ERR_clear_error();
      return TransportError{Kind::tls, "TLS handshake with " + host + " failed"};
    }
    if (SSL_connect(ssl_) != 1) {
      ERR_clear_error();
      long code = SSL_get_verify_result(ssl_);
      if (code == X509_V_OK) return TransportError{Kind::tls, "TLS handshake with " + host + " failed"};
      return verify_failure(code);
    }
    long code = SSL_get_verify_result(ssl_);
    if (code != X509_V_OK) return verify_failure(code);
    if (SSL_get0_peer_certificate(ssl_) == nullptr) return verify_failure(X509_V_ERR_UNSPECIFIED);
    return std::nullopt;
  }

  TransportError verify_failure(long code) const {
    const std::string host = url_.authority();
    if (code == X509_V_ERR_HOSTNAME_MISMATCH || code == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      return {Kind::tls_verify, "TLS certificate of " + host +
                                    " not trusted (it is issued for another host name); check the endpoint URL"};
    }
    return {Kind::tls_verify, "TLS certificate of " + host + " not trusted (" + X509_verify_cert_error_string(code) +
                                  "); if a proxy or firewall intercepts TLS, set ca_bundle (or SSL_CERT_FILE) "
                                  "to its CA certificate"};
  }

  const Url& url_;
  const TransportOptions& options_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

// ---- The response ---------------------------------------------------------------------------

enum class Framing { none, length, chunked, until_close };

// Reads the response through one buffer: the head, chunk lines, and body blocks handed to the
// body handler from where they were received.
class ResponseReader {
 public:
  ResponseReader(Connection& connection, const Url& url, const TransportOptions& options)
      : connection_(connection), url_(url), options_(options), buffer_(new char[raw_read_block]) {}

  // Why the transfer stopped, when it did not end normally.
  std::optional<TransportError> error;

  TransportError lost() const {
    return {Kind::io, "connection to " + url_.authority() + " lost or timed out while receiving (read timeout " +
                          seconds_text(options_.read_timeout) + ")"};
  }
  TransportError malformed(const std::string& what) const {
    return {Kind::io, "malformed HTTP response from " + url_.authority() + " (" + what + ")"};
  }
  TransportError cancelled() const { return {Kind::cancelled, "request to " + url_.authority() + " cancelled"}; }

  // Status and headers; skips interim 1xx responses.
  bool read_head(int& status, HttpHeaders& headers) {
    for (;;) {
      std::size_t head_end = 0;
      while ((head_end = find_head_end()) == 0) {
        if (len_ - pos_ >= max_head_bytes) return fail(malformed("response head over 64 KiB"));
        if (!fill()) return fail(lost());
      }
      std::string_view head(buffer_.get() + pos_, head_end - pos_);
      pos_ = head_end;
      headers = HttpHeaders{};
      if (!parse_head(head, status, headers)) return fail(malformed("bad status line or header"));
      if (status >= 100 && status < 200 && status != 101) continue;
      return true;
    }
  }

  // Deliver `count` body bytes (until the end of the stream when nullopt).
  bool deliver(std::optional<std::uint64_t> count, const BodyHandler& on_body) {
    std::uint64_t left = count.value_or(UINT64_MAX);
    while (left > 0) {
      if (pos_ == len_) {
        pos_ = len_ = 0;
        auto n = connection_.read_some(buffer_.get(), capacity_);
        if (n == 0 && !count) return true;
        if (n <= 0) return fail(lost());
        len_ = static_cast<std::size_t>(n);
      }
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left, len_ - pos_));
      const char* data = buffer_.get() + pos_;
      pos_ += take;
      left -= take;
      if (!on_body(data, take)) return fail(cancelled());
    }
    return true;
  }

  bool deliver_chunked(const BodyHandler& on_body) {
    for (;;) {
      std::string line;
      if (!read_line(line)) return false;
      auto size_text = util::trim(std::string_view(line).substr(0, line.find(';')), " \t\r");
      std::uint64_t size = 0;
      auto [ptr, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
      if (size_text.empty() || ec != std::errc{} || ptr != size_text.data() + size_text.size()) {
        return fail(malformed("bad chunk size"));
      }
      if (size == 0) break;
      if (!deliver(size, on_body)) return false;
      if (!read_line(line)) return false;
      if (!line.empty()) return fail(malformed("chunk longer than its size"));
    }
    // Trailers, up to the empty line; an end of stream here loses nothing.
    for (;;) {
      std::string line;
      if (!read_line(line)) {
        if (error && error->kind == Kind::io && ended_) {
          error.reset();
          return true;
        }
        return false;
      }
      if (line.empty()) return true;
    }
  }

 private:
  bool fail(TransportError e) {
    error = std::move(e);
    return false;
  }

  // Room at the end of the buffer, compacting first; false when the stream ended or broke.
  bool fill() {
    if (pos_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + pos_, len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
    }
    auto n = connection_.read_some(buffer_.get() + len_, capacity_ - len_);
    if (n <= 0) {
      ended_ = n == 0;
      return false;
    }
    len_ += static_cast<std::size_t>(n);
    return true;
  }

  // The offset just past the empty line ending the head, or 0 if it has not arrived.
  std::size_t find_head_end() const {
    std::size_t at = pos_;
    while (at < len_) {
      const void* found = std::memchr(buffer_.get() + at, '\n', len_ - at);
      if (found == nullptr) return 0;
      auto eol = static_cast<std::size_t>(static_cast<const char*>(found) - buffer_.get());
      std::size_t next = eol + 1;
      if (next < len_ && buffer_[next] == '\n') return next + 1;
      if (next + 1 < len_ && buffer_[next] == '\r' && buffer_[next + 1] == '\n') return next + 2;
      if (next + 1 >= len_) return 0;
      at = next;
    }
    return 0;
  }

  static bool parse_head(std::string_view head, int& status, HttpHeaders& headers) {
    auto next_line = [&head]() {
      auto eol = head.find('\n');
      auto line = head.substr(0, eol);
      head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return line;
    };
    auto status_line = next_line();
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') return false;
    auto code = status_line.substr(9, 3);
    auto [ptr, ec] = std::from_chars(code.data(), code.data() + 3, status);
    if (ec != std::errc{} || ptr != code.data() + 3 || status < 100 || status > 999) return false;
    if (status_line.size() > 12 && status_line[12] != ' ') return false;
    std::vector<std::pair<std::string, std::string>> items;
    while (!head.empty()) {
      auto line = next_line();
      if (line.empty()) break;
      if (line.front() == ' ' || line.front() == '\t') {  // obsolete line folding
        if (items.empty()) return false;
        items.back().second += " " + std::string(util::trim(line, " \t\r"));
        continue;
      }
      auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return false;
      auto name = line.substr(0, colon);
      if (name.find_first_of(" \t") != std::string_view::npos) return false;
      items.emplace_back(std::string(name), std::string(util::trim(line.substr(colon + 1), " \t\r")));
    }
    for (auto& [name, value] : items) headers.add(std::move(name), std::move(value));
    return true;
  }

  bool read_line(std::string& line) {
    for (;;) {
      const void* found = std::memchr(buffer_.get() + pos_, '\n', len_ - pos_);
      if (found != nullptr) {
        auto eol = static_cast<std::size_t>(static_cast<const char*>(found) - buffer_.get());
        line.assign(buffer_.get() + pos_, eol - pos_);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pos_ = eol + 1;
        return true;
      }
      if (len_ - pos_ >= max_line_bytes) return fail(malformed("chunk line over 8 KiB"));
      if (!fill()) return fail(lost());
    }
  }

  Connection& connection_;
  const Url& url_;
  const TransportOptions& options_;
  // Not zero-filled: pages are touched only as far as bytes arrive.
  std::unique_ptr<char[]> buffer_;
  static constexpr std::size_t capacity_ = raw_read_block;
  std::size_t pos_ = 0;  // next unread byte
  std::size_t len_ = 0;  // end of the received bytes
  bool ended_ = false;   // the peer closed the stream (rather than it breaking)
};

// How the body is delimited (RFC 9112 section 6.3, for a response to GET).
std::optional<Framing> framing_of(int status, const HttpHeaders& headers, std::uint64_t& length) {
  if (status == 204 || status == 304 || (status >= 100 && status < 200)) return Framing::none;
  if (auto te = headers.get("Transfer-Encoding")) {
    auto codings = util::ascii_lower(*te);
    auto last = codings.rfind(',');
    auto final_coding = util::trim(std::string_view(codings).substr(last == std::string::npos ? 0 : last + 1), " \t\r");
    return final_coding == "chunked" ? Framing::chunked : Framing::until_close;
  }
  std::optional<std::uint64_t> found;
  for (const auto& [name, value] : headers.items()) {
    if (!iequals(name, "Content-Length")) continue;
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc{} || ptr != value.data() + value.size()) return std::nullopt;
    if (found && *found != n) return std::nullopt;
    found = n;
  }
  if (!found) return Framing::until_close;
  length = *found;
  return Framing::length;
}

std::string request_text(const Url& url, const HttpHeaders& headers) {
  std::string out = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.authority() + "\r\n";
  bool has_accept = false;
  for (const auto& [name, value] : headers.items()) {
    if (iequals(name, "Host") || iequals(name, "Connection")) continue;
    has_accept = has_accept || iequals(name, "Accept");
    out += name + ": " + value + "\r\n";
  }
  if (!has_accept) out += "Accept: */*\r\n";
  out += "Connection: close\r\n\r\n";
  return out;
}

}  // namespace

StreamResult raw_http_get(const Url& url, const HttpHeaders& headers, const TransportOptions& options,
                          const ResponseStartHandler& on_start, const BodyHandler& on_body) {
  StreamResult out;
  auto finish = [&]() {
    spdlog::debug("hub: GET {} -> {} (direct)", redact_url(url.str()),
                  out.started ? std::to_string(out.status) : "no response");
    return out;
  };
  bool bad_input = has_line_break(url.target) || has_line_break(url.host);
  for (const auto& [name, value] : headers.items()) bad_input = bad_input || has_line_break(name) || has_line_break(value);
  if (bad_input) {
    out.error = TransportError{Kind::other, "refusing a request to " + url.authority() + " with a line break in it"};
    return finish();
  }

  std::optional<SigpipeBlock> no_sigpipe;
  if (url.scheme == "https") no_sigpipe.emplace();
  Connection connection(url, options);
  if (auto error = connection.open()) {
    out.error = std::move(error);
    return finish();
  }
  if (!connection.send_all(request_text(url, headers))) {
    out.error = TransportError{Kind::io, "connection to " + url.authority() + " lost while sending the request"};
    return finish();
  }

  ResponseReader reader(connection, url, options);
  if (!reader.read_head(out.status, out.headers)) {
    out.error = std::move(reader.error);
    return finish();
  }
  std::uint64_t length = 0;
  auto framing = framing_of(out.status, out.headers, length);
  if (!framing) {
    out.error = reader.malformed("bad Content-Length");
    return finish();
  }
  out.started = true;
  if (!on_start(out.status, out.headers)) {
    out.error = reader.cancelled();
    return finish();
  }
  bool complete = true;
  switch (*framing) {
    case Framing::none:
      break;
    case Framing::length:
      complete = reader.deliver(length, on_body);
      break;
    case Framing::chunked:
      complete = reader.deliver_chunked(on_body);
      break;
    case Framing::until_close:
      complete = reader.deliver(std::nullopt, on_body);
      break;
  }
  if (!complete) {
    out.error = std::move(reader.error);
    return finish();
  }
  connection.close_notify();
  return finish();
}

}  // namespace hfcache::hub
