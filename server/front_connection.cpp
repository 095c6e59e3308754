#include "front_connection.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "util/fs.hpp"

namespace hfcache::server {
namespace {

// sendfile in slices, so one large body does not keep a loop from its other connections.
constexpr std::size_t sendfile_slice = 4 << 20;

}  // namespace

void Connection::consume(std::size_t n) {
  in_pos += n;
  if (in_pos == in.size()) {
    in.clear();
    in_pos = 0;
  }
}

void Connection::compact() {
  if (in_pos == 0) return;
  in.erase(0, in_pos);
  in_pos = 0;
}

void Connection::start_response(FastResponse answer, bool head_only, std::string_view connection_field,
                                std::vector<char>& scratch) {
  out = std::move(answer.head);
  out.append(connection_field).append("\r\n");
  out_sent = 0;
  body = std::move(answer);
  if (head_only || !body.file) body.length = 0;
  if (body.length > 0 && body.length <= scratch.size()) {
    auto want = static_cast<std::size_t>(body.length);
    std::size_t got = 0;
    while (got < want) {
      ssize_t n = ::pread(body.file->get(), scratch.data() + got, want - got, static_cast<off_t>(body.offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    out.append(scratch.data(), got);
    if (body.bytes_sent) *body.bytes_sent += got;
    // A file that shrank under us: what was read goes out, then the connection closes short of
    // Content-Length, which every client takes as a failed transfer.
    if (got < want) close_after = true;
    body.length = 0;
  }
  state = State::writing;
}

Connection::Sent Connection::send_pending(std::vector<char>& scratch, bool stopping) {
  while (true) {
    while (out_sent < out.size()) {
      int flags = MSG_NOSIGNAL | (body.length > 0 ? MSG_MORE : 0);
      ssize_t n = ::send(fd, out.data() + out_sent, out.size() - out_sent, flags);
      if (n > 0) {
        out_sent += static_cast<std::size_t>(n);
        last_activity = Clock::now();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Sent::blocked;
      return Sent::failed;
    }
    if (body.length == 0) return Sent::done;
    if (stopping) return Sent::failed;  // short of Content-Length: clients retry or resume
    if (!no_sendfile) {
      auto offset = static_cast<off_t>(body.offset);
      auto slice = static_cast<std::size_t>(std::min<std::uint64_t>(body.length, sendfile_slice));
      ssize_t n = ::sendfile(fd, body.file->get(), &offset, slice);
      if (n > 0) {
        advance_body(static_cast<std::uint64_t>(n));
        if (body.length > 0 && static_cast<std::size_t>(n) == slice) return Sent::blocked;  // others' turn
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Sent::blocked;
      if (n < 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        no_sendfile = true;  // a file system without splice support: read and send instead
        continue;
      }
      return Sent::failed;  // the file shrank (n == 0) or the peer is gone: cut short of Content-Length
    }
    // Without sendfile: the next slice of the file becomes the pending output.
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(body.length, scratch.size()));
    ssize_t n = ::pread(body.file->get(), scratch.data(), want, static_cast<off_t>(body.offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Sent::failed;
    out.assign(scratch.data(), static_cast<std::size_t>(n));
    out_sent = 0;
    advance_body(static_cast<std::uint64_t>(n));
  }
}

void Connection::advance_body(std::uint64_t n) {
  body.offset += n;
  body.length -= n;
  last_activity = Clock::now();
  if (body.bytes_sent) *body.bytes_sent += n;
}

Connection::Expiry Connection::expiry(Clock::time_point now, const FrontOptions& o) const {
  switch (state) {
    case State::handed_off: return Expiry::none;
    case State::writing: return now - last_activity >= o.write_timeout ? Expiry::close : Expiry::none;
    case State::lingering: return now >= linger_until ? Expiry::close : Expiry::none;
    case State::reading: break;
  }
  if (reader.idle() && pending().empty())
    return now - last_activity >= o.keep_alive_timeout ? Expiry::close : Expiry::none;
  if (reader.phase() == RequestReader::Phase::head)
    return now - request_started >= o.header_timeout ? Expiry::request_timeout : Expiry::none;
  // A body's allowance grows with what arrived: a second for every body_min_rate bytes.
  auto earned = std::chrono::seconds(reader.body_bytes() / std::max<std::uint64_t>(o.body_min_rate, 1));
  return now - body_started >= o.body_timeout + earned ? Expiry::request_timeout : Expiry::none;
}

}  // namespace hfcache::server
