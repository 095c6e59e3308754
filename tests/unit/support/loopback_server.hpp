#pragma once
// Loopback HTTP(S) servers and fast hub options for the hub client's unit tests.
#include <doctest/doctest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include "hub/hub_client.hpp"

namespace hfcache::test_support {

using namespace std::chrono_literals;

inline const std::string commit = "607a30d783dfa663caf39e06633721c8d4cfcd7e";
inline const std::string token = "hf_" + std::string(34, 't');

// An httplib server on an ephemeral port of `host`; register handlers, then start().
template <class ServerType = httplib::Server>
class TestServer {
 public:
  template <class... Args>
  explicit TestServer(std::string host = "127.0.0.1", Args&&... args) : server(std::forward<Args>(args)...), host_(std::move(host)) {
    server.set_keep_alive_timeout(1);
    port_ = server.bind_to_any_port(host_);
    REQUIRE(port_ > 0);
  }
  ~TestServer() {
    server.stop();
    if (thread_.joinable()) thread_.join();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  void start() {
    thread_ = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(1ms);
  }
  std::string base() const {
    return std::string(std::is_same_v<ServerType, httplib::Server> ? "http" : "https") + "://" + host_ + ":" +
           std::to_string(port_);
  }
  ServerType server;

 private:
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

// Values seen by server threads, read by the test thread.
class Recorder {
 public:
  void set(const std::string& key, std::string value) {
    std::lock_guard lock(mutex_);
    values_[key] = std::move(value);
  }
  std::string get(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = values_.find(key);
    return it == values_.end() ? std::string{} : it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> values_;
};

inline hub::HubOptions fast_options(const std::string& endpoint) {
  hub::HubOptions options;
  options.endpoint = endpoint;
  options.token = token;
  options.connect_timeout = 2s;
  options.read_timeout = 2s;
  options.max_retries = 3;
  options.base_backoff = 1ms;
  options.max_backoff = 4ms;
  options.max_server_wait = 300ms;
  options.https_proxy = "";
  options.http_proxy = "";
  options.no_proxy = "";
  return options;
}

// A socket listening on 127.0.0.1 at a free port, written to `port`, for tests' raw servers.
inline int listen_on_loopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port = ntohs(addr.sin_port);
  REQUIRE(::listen(fd, 8) == 0);
  return fd;
}

// A loopback port nothing listens on: bind one, read its number, close it.
inline int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

}  // namespace hfcache::test_support
