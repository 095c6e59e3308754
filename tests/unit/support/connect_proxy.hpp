#pragma once
// A minimal HTTP CONNECT proxy on 127.0.0.1 for the transport's proxy tests: one tunnel at a time,
// records the CONNECT line and its Proxy-Authorization, answers `status` (200 opens the tunnel).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "support/loopback_server.hpp"

namespace hfcache::test_support {

class ConnectProxy {
 public:
  explicit ConnectProxy(int status = 200) : status_(status) {
    fd_ = listen_on_loopback(port_);
    thread_ = std::thread([this] { loop(); });
  }
  ~ConnectProxy() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string request() const {
    std::lock_guard lock(mutex_);
    return request_;
  }

 private:
  static bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void loop() {
    for (;;) {
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      serve(client);
      ::close(client);
    }
  }

  void serve(int client) {
    std::string head;
    char buf[65536];
    while (head.find("\r\n\r\n") == std::string::npos) {
      auto n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) return;
      head.append(buf, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      request_ = head.substr(0, head.find("\r\n\r\n"));
    }
    if (status_ != 200) {
      send_all(client, "HTTP/1.1 " + std::to_string(status_) + " Refused\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    // "CONNECT 127.0.0.1:port HTTP/1.1": the tests only tunnel to loopback ports.
    auto colon = head.find(':');
    int port = std::stoi(head.substr(colon + 1));
    int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      send_all(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
      ::close(upstream);
      return;
    }
    send_all(client, "HTTP/1.1 200 Connection established\r\n\r\n");
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, 5000) <= 0) break;
      bool closed = false;
      for (int i = 0; i < 2 && !closed; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        auto n = ::recv(fds[i].fd, buf, sizeof buf, 0);
        closed = n <= 0 || !send_all(fds[1 - i].fd, std::string_view(buf, static_cast<std::size_t>(n)));
      }
      if (closed) break;
    }
    ::close(upstream);
  }

  int status_;
  int fd_ = -1;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::string request_;
  std::thread thread_;
};

}  // namespace hfcache::test_support
