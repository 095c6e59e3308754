#pragma once
// cpp-httplib's request handling (routes, hooks, content providers, its response writer) without
// its accept loop: http_front owns the sockets and hands this one request at a time.
#include <httplib.h>

namespace hfcache::server {

class HttplibEngine : public httplib::Server {
 public:
  HttplibEngine() { set_streaming(true); }
  ~HttplibEngine() override { set_streaming(false); }

  // Read one request from `stream` and answer it; false when the connection must close.
  bool serve_one(httplib::Stream& stream, bool close_connection, bool& connection_closed) {
    return process_request(stream, close_connection, connection_closed, nullptr);
  }

  // httplib cuts content-provider bodies once its listening socket is gone (svr_sock_ invalid); it
  // has none here, so this flag stands in for it. Off at stop: streams end, as under httplib's stop().
  void set_streaming(bool on) { svr_sock_ = on ? streaming_marker : INVALID_SOCKET; }
  bool streaming() const { return svr_sock_ != INVALID_SOCKET; }

 private:
  // Any value but INVALID_SOCKET; httplib never uses it as a descriptor outside its accept loop.
  static constexpr socket_t streaming_marker = 0;
};

}  // namespace hfcache::server
