#pragma once
// cpp-httplib's view of a handed-off request: it reads the request the front has already read and
// re-framed (nothing else: at its end the stream reads as closed, so httplib can never parse bytes
// of the connection itself), and writes its response to the socket with a write timeout.
#include <chrono>
#include <cstddef>
#include <string>

#include <httplib.h>

namespace hfcache::server {

// The numeric address and port of the socket's peer (or its own end: `local`), empty when unknown.
void socket_address(int fd, bool local, std::string& ip, int& port);

class FrontStream final : public httplib::Stream {
 public:
  FrontStream(int fd, const std::string& request, std::chrono::milliseconds write_timeout)
      : fd_(fd), request_(request), write_timeout_(write_timeout) {}

  bool is_readable() const override { return read_ < request_.size(); }
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return fd_; }

 private:
  int fd_;
  const std::string& request_;
  std::size_t read_ = 0;
  std::chrono::milliseconds write_timeout_;
};

}  // namespace hfcache::server
