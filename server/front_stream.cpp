#include "front_stream.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hfcache::server {
void socket_address(int fd, bool local, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* raw = reinterpret_cast<sockaddr*>(&addr);
  if ((local ? ::getsockname(fd, raw, &len) : ::getpeername(fd, raw, &len)) != 0) return;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(raw, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

bool FrontStream::is_writable() const {
  pollfd p{fd_, POLLOUT, 0};
  while (true) {
    int n = ::poll(&p, 1, static_cast<int>(write_timeout_.count()));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

ssize_t FrontStream::read(char* ptr, std::size_t size) {
  auto n = std::min(size, request_.size() - read_);
  std::memcpy(ptr, request_.data() + read_, n);
  read_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t FrontStream::write(const char* ptr, std::size_t size) {
  std::size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL);
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

void FrontStream::get_remote_ip_and_port(std::string& ip, int& port) const { socket_address(fd_, false, ip, port); }

void FrontStream::get_local_ip_and_port(std::string& ip, int& port) const { socket_address(fd_, true, ip, port); }

}  // namespace hfcache::server
