// The libcurl transport (http/http_transport.hpp), alone and as HubClient::download uses it for large
// ranges: framing, redirects and token scope, errors, timeouts, TLS, proxies, cancellation.
#include <doctest/doctest.h>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>

#include "core/errors.hpp"
#include "hub/hub_client.hpp"
#include "http/http_transport.hpp"
#include "http/url.hpp"
#include "support/loopback_server.hpp"
#include "support/test_certificate.hpp"

using namespace hfcache;
using namespace hfcache::hub;
using namespace hfcache::http;
using namespace std::chrono_literals;

namespace {

using namespace hfcache::test_support;

constexpr std::size_t big = (std::size_t{9} << 20) + 12345;  // over the 8 MiB threshold, not a round size

std::string big_bytes(std::size_t size = big) {
  std::string data(size, '\0');
  std::uint32_t x = 12345;
  for (auto& c : data) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return data;
}

struct Collected {
  std::string bytes;
  std::size_t calls = 0;
  std::size_t largest = 0;
  ByteSink sink() {
    return [this](const char* data, std::size_t size) {
      bytes.append(data, size);
      ++calls;
      largest = std::max(largest, size);
      return true;
    };
  }
};

// A server on 127.0.0.1 that reads one request head per connection and runs `respond` with the
// socket and the request text.
class RawServer {
 public:
  using Respond = std::function<void(int fd, const std::string& request)>;
  explicit RawServer(Respond respond) : respond_(std::move(respond)) {
    fd_ = listen_on_loopback(port_);
    thread_ = std::thread([this] { loop(); });
  }
  ~RawServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  std::string last_request() const {
    std::lock_guard lock(mutex_);
    return last_request_;
  }

  static void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

 private:
  void loop() {
    while (!stop_) {
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      ++connections_;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        auto n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      {
        std::lock_guard lock(mutex_);
        last_request_ = request;
      }
      respond_(client, request);
      ::close(client);
    }
  }

  Respond respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_ = false;
  std::atomic<int> connections_ = 0;
  mutable std::mutex mutex_;
  std::string last_request_;
  std::thread thread_;
};

using hfcache::test_support::TestCertificate;

http::TransportOptions fast_transport() {
  http::TransportOptions options;
  options.connect_timeout = 2s;
  options.read_timeout = 2s;
  return options;
}

// The largest block curl hands over at once (CURLOPT_BUFFERSIZE).
constexpr std::size_t receive_block = std::size_t{1} << 20;

// get_stream with a collecting body handler; the status and headers are in the result.
http::StreamResult raw_get(const std::string& url, Collected& out, const http::TransportOptions& options = fast_transport()) {
  auto parsed = http::parse_url(url);
  REQUIRE(parsed);
  auto sink = out.sink();
  http::HttpTransport transport(options);
  return transport.get_stream(*parsed, {{"User-Agent", "test"}}, [](int, const http::HttpHeaders&) { return true; },
                              [&](const char* data, std::size_t size) { return sink(data, size); });
}

}  // namespace

TEST_SUITE("hub_http_transport") {
  TEST_CASE("Content-Length body, delivered in large blocks; the request is well formed; connections reused") {
    const auto data = big_bytes();
    TestServer cdn;
    Recorder seen;
    cdn.server.Get("/blob", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("connection", req.get_header_value("Connection"));
      seen.set("host", req.get_header_value("Host"));
      seen.set("agent", req.get_header_value("User-Agent"));
      res.set_content(data, "application/octet-stream");
    });
    cdn.start();
    Collected out;
    auto result = raw_get(cdn.base() + "/blob", out);
    CHECK_FALSE(result.error);
    CHECK(result.started);
    CHECK(result.status == 200);
    CHECK(result.headers.value_or("Content-Length") == std::to_string(data.size()));
    CHECK(out.bytes == data);
    CHECK(out.largest > 4096);
    CHECK(out.largest <= receive_block);
    CHECK(seen.get("host") == cdn.base().substr(7));
    CHECK(seen.get("agent") == "test");

    // Keep-alive: more requests on the same transport and thread reuse the connection.
    std::mutex ports_mutex;
    std::set<int> client_ports;
    TestServer counted;
    counted.server.set_keep_alive_timeout(5);
    counted.server.Get("/small", [&](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(ports_mutex);
      client_ports.insert(req.remote_port);
      res.set_content("ok", "text/plain");
    });
    counted.start();
    http::HttpTransport transport(fast_transport());
    auto url = http::parse_url(counted.base() + "/small");
    for (int i = 0; i < 3; ++i) {
      auto small = transport.get(*url, {});
      REQUIRE(small.response);
      CHECK(small.response->body == "ok");
    }
    std::lock_guard lock(ports_mutex);
    CHECK(client_ports.size() == 1);
  }

  TEST_CASE("chunked body") {
    const auto data = big_bytes();
    TestServer cdn;
    cdn.server.Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("application/octet-stream", [&](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= data.size()) {
          sink.done();
          return true;
        }
        auto n = std::min<std::size_t>(100'000 + offset % 7, data.size() - offset);
        sink.write(data.data() + offset, n);
        return true;
      });
    });
    cdn.start();
    Collected out;
    auto result = raw_get(cdn.base() + "/chunked", out);
    CHECK_FALSE(result.error);
    CHECK(result.status == 200);
    CHECK(out.bytes == data);
  }

  TEST_CASE("a body ended by the connection; interim 1xx responses are skipped; chunk extensions and trailers") {
    const std::string data = big_bytes(3 << 20);
    RawServer until_close([&](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Test: a\r\n  b\r\n\r\n");
      RawServer::send_all(fd, data);
    });
    Collected out;
    auto result = raw_get(until_close.base() + "/x", out);
    CHECK_FALSE(result.error);
    CHECK(result.status == 200);
    CHECK(result.headers.value_or("X-Test") == "a b");
    CHECK(out.bytes == data);

    RawServer chunked([&](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\n"
                              "X-Trailer: yes\r\n\r\n");
    });
    Collected small;
    result = raw_get(chunked.base() + "/x", small);
    CHECK_FALSE(result.error);
    CHECK(small.bytes == "hello!");
  }

  TEST_CASE("a broken or malformed body is an io error; a handler returning false cancels") {
    RawServer short_body([](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
      RawServer::send_all(fd, std::string(300'000, 'z'));
    });
    Collected out;
    auto result = raw_get(short_body.base() + "/x", out);
    REQUIRE(result.error);
    CHECK(result.started);
    CHECK(result.error->kind == http::TransportError::Kind::io);
    CHECK(out.bytes == std::string(300'000, 'z'));

    RawServer bad_chunk([](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    });
    Collected none;
    result = raw_get(bad_chunk.base() + "/x", none);
    REQUIRE(result.error);
    CHECK(result.error->kind == http::TransportError::Kind::io);

    RawServer garbage([](int fd, const std::string&) { RawServer::send_all(fd, "SSH-2.0-OpenSSH\r\n\r\n"); });
    result = raw_get(garbage.base() + "/x", none);
    REQUIRE(result.error);
    CHECK_FALSE(result.started);
    CHECK(result.error->kind == http::TransportError::Kind::io);

    RawServer plenty([](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n");
      RawServer::send_all(fd, std::string(10'000'000, 'p'));
    });
    auto parsed = http::parse_url(plenty.base() + "/x");
    std::size_t got = 0;
    http::HttpTransport transport(fast_transport());
    result = transport.get_stream(*parsed, {}, [](int, const http::HttpHeaders&) { return true; },
                                  [&](const char*, std::size_t size) {
                                    got += size;
                                    return false;
                                  });
    REQUIRE(result.error);
    CHECK(result.error->kind == http::TransportError::Kind::cancelled);
    CHECK(got > 0);
  }

  TEST_CASE("nothing listening is a connect error; a silent server is a read timeout") {
    int port = closed_port();
    Collected out;
    auto result = raw_get("http://127.0.0.1:" + std::to_string(port) + "/x", out);
    REQUIRE(result.error);
    CHECK_FALSE(result.started);
    CHECK(result.error->kind == http::TransportError::Kind::connect);

    result = raw_get("http://host.invalid/x", out);
    REQUIRE(result.error);
    CHECK(result.error->kind == http::TransportError::Kind::connect);

    std::atomic<bool> release = false;
    RawServer stalls([&](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc");
      while (!release) std::this_thread::sleep_for(10ms);
    });
    auto options = fast_transport();
    options.read_timeout = 300ms;
    auto start = std::chrono::steady_clock::now();
    result = raw_get(stalls.base() + "/x", out, options);
    auto took = std::chrono::steady_clock::now() - start;
    release = true;
    REQUIRE(result.error);
    CHECK(result.started);
    CHECK(result.error->kind == http::TransportError::Kind::io);
    CHECK(result.error->message.find("300 ms") != std::string::npos);
    CHECK(took >= 250ms);
    CHECK(took < 1500ms);
  }

  TEST_CASE("header values with line breaks are refused before connecting") {
    auto url = http::parse_url("http://127.0.0.1:9/x");
    http::HttpTransport transport(fast_transport());
    auto result = transport.get_stream(*url, {{"X-Evil", "a\r\nInjected: 1"}},
                                       [](int, const http::HttpHeaders&) { return true; },
                                       [](const char*, std::size_t) { return true; });
    REQUIRE(result.error);
    CHECK(result.error->kind == http::TransportError::Kind::other);
  }

  TEST_CASE("POST and DELETE send the method and body; HEAD has no body") {
    TestServer daemon;
    Recorder seen;
    daemon.server.Post("/v1/x", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("post", req.body + "|" + req.get_header_value("Content-Type") + "|" + req.get_header_value("Expect"));
      res.status = 202;
      res.set_content(R"({"ok":true})", "application/json");
    });
    daemon.server.Delete("/v1/x", [&](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    daemon.server.Get("/v1/x", [&](const httplib::Request&, httplib::Response& res) { res.set_content("abc", "text/plain"); });
    daemon.start();
    http::HttpTransport transport(fast_transport());
    auto url = http::parse_url(daemon.base() + "/v1/x");
    const std::string body = R"({"repo":"org/m"})";
    auto posted = transport.request("POST", *url, {{"Content-Type", "application/json"}}, &body);
    REQUIRE(posted.response);
    CHECK(posted.response->status == 202);
    CHECK(posted.response->body == R"({"ok":true})");
    CHECK(seen.get("post") == body + "|application/json|");
    auto deleted = transport.request("DELETE", *url, {});
    REQUIRE(deleted.response);
    CHECK(deleted.response->status == 204);
    auto head = transport.head(*url, {});
    REQUIRE(head.response);
    CHECK(head.response->headers.value_or("Content-Length") == "3");
    CHECK(head.response->body.empty());
  }

  TEST_CASE("a stop request ends a stalled or trickling transfer at once, and any later one before it starts") {
    std::atomic<bool> release = false;
    RawServer stalls([&](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc");
      while (!release) std::this_thread::sleep_for(10ms);
    });
    RawServer trickles([&](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
      for (int i = 0; i < 1000 && !release; ++i) {
        RawServer::send_all(fd, "x");
        std::this_thread::sleep_for(100ms);
      }
    });
    for (const auto* server : {&stalls, &trickles}) {
      std::stop_source stop;
      auto options = fast_transport();
      options.read_timeout = 30s;
      options.stop = stop.get_token();
      http::HttpTransport transport(options);
      auto url = http::parse_url(server->base() + "/x");
      std::thread stopper([&] {
        std::this_thread::sleep_for(300ms);
        stop.request_stop();
      });
      auto start = std::chrono::steady_clock::now();
      auto result = transport.get_stream(*url, {}, [](int, const http::HttpHeaders&) { return true; },
                                         [](const char*, std::size_t) { return true; });
      auto took = std::chrono::steady_clock::now() - start;
      stopper.join();
      REQUIRE(result.error);
      CHECK(result.error->kind == http::TransportError::Kind::cancelled);
      CHECK(result.error->message.find("stopping") != std::string::npos);
      CHECK(took >= 250ms);
      CHECK(took < 800ms);
      auto later = transport.get(*url, {});
      REQUIRE(later.error);
      CHECK(later.error->kind == http::TransportError::Kind::cancelled);
    }
    release = true;
  }
}

TEST_SUITE("hub_large_download") {
  TEST_CASE("a large range: follows the redirect, the token goes to the hub only, bytes in large blocks") {
    const auto data = big_bytes();
    TestServer hub;
    TestServer cdn("127.0.0.2");
    Recorder seen;
    hub.server.Get("/org/m/resolve/main/model.bin", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("hub_auth", req.get_header_value("Authorization"));
      res.status = 302;
      res.set_header("Location", cdn.base() + "/blob?sig=secret");
    });
    cdn.server.Get("/blob", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("cdn_auth", req.has_header("Authorization") ? "present" : "absent");
      seen.set("range", req.get_header_value("Range"));
      seen.set("encoding", req.get_header_value("Accept-Encoding"));
      res.set_content(data, "application/octet-stream");  // httplib answers the Range with a 206
    });
    hub.start();
    cdn.start();
    HubClient client(fast_options(hub.base()));
    Collected out;
    const std::uint64_t offset = 1000;
    auto got = client.download(hub.base() + "/org/m/resolve/main/model.bin", offset, data.size(), out.sink());
    CHECK(got == data.size() - offset);
    CHECK(out.bytes == data.substr(offset));
    CHECK(out.largest > 4096);
    CHECK(seen.get("hub_auth") == "Bearer " + token);
    CHECK(seen.get("cdn_auth") == "absent");
    CHECK(seen.get("range") == "bytes=1000-" + std::to_string(data.size() - 1));
    CHECK(seen.get("encoding") == "identity");
  }

  TEST_CASE("a 200 to a large range: the first bytes are skipped and the end respected") {
    const auto data = big_bytes();
    RawServer cdn([&](int fd, const std::string&) {
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(data.size()) + "\r\n\r\n");
      RawServer::send_all(fd, data);
    });
    HubClient client(fast_options("http://hub.invalid"));
    Collected out;
    const std::uint64_t begin = 12345, end = (std::uint64_t{8} << 20) + 20000;
    CHECK(client.download(cdn.base() + "/blob", begin, end, out.sink()) == end - begin);
    CHECK(out.bytes == data.substr(begin, end - begin));
  }

  TEST_CASE("a large range broken mid-body is a TransferError with the bytes delivered; 503 is retried") {
    std::atomic<int> hits = 0;
    RawServer cdn([&](int fd, const std::string&) {
      if (++hits == 1) {
        RawServer::send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
        return;
      }
      RawServer::send_all(fd, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9999999/10000000\r\n"
                              "Content-Length: 10000000\r\n\r\n");
      RawServer::send_all(fd, std::string(3'000'000, 'z'));
    });
    HubClient client(fast_options("http://hub.invalid"));
    Collected out;
    try {
      client.download(cdn.base() + "/drop", 0, 10'000'000, out.sink());
      FAIL("expected TransferError");
    } catch (const TransferError& e) {
      CHECK(e.bytes_delivered == 3'000'000);
      CHECK(e.code() == ExitCode::offline);
    }
    CHECK(out.bytes == std::string(3'000'000, 'z'));
    CHECK(hits == 2);
  }

  TEST_CASE("a large range asked of the hub: 404 EntryNotFound and 403 keep their typed errors") {
    RawServer hub([](int fd, const std::string& request) {
      if (request.find("/missing") != std::string::npos) {
        RawServer::send_all(fd, "HTTP/1.1 404 Not Found\r\nX-Error-Code: EntryNotFound\r\nX-Repo-Commit: " + commit +
                                    "\r\nContent-Length: 9\r\n\r\nnot found");
      } else {
        RawServer::send_all(fd, "HTTP/1.1 403 Forbidden\r\nX-Error-Message: Forbidden\r\nContent-Length: 0\r\n\r\n");
      }
    });
    HubClient client(fast_options(hub.base()));
    Collected out;
    CHECK_THROWS_AS(client.download(hub.base() + "/org/m/resolve/main/missing", 0, big, out.sink()), NotFoundError);
    CHECK_THROWS_AS(client.download(hub.base() + "/org/m/resolve/main/x", 0, big, out.sink()), AuthError);
    CHECK(out.bytes.empty());
  }

  TEST_CASE("nothing listening: OfflineError after the retries, not a TransferError") {
    int port = closed_port();
    HubClient client(fast_options("http://hub.invalid"));
    Collected out;
    try {
      client.download("http://127.0.0.1:" + std::to_string(port) + "/x", 0, big, out.sink());
      FAIL("expected OfflineError");
    } catch (const TransferError&) {
      FAIL("a connect failure is not a broken transfer");
    } catch (const OfflineError& e) {
      CHECK(std::string(e.what()).find("cannot connect") != std::string::npos);
    }
  }

  TEST_CASE("HTTPS: verified against ca_bundle, refused otherwise, host name checked") {
    const auto data = big_bytes();
    TestCertificate certificate("IP:127.0.0.1,DNS:localhost");
    TestServer<httplib::SSLServer> cdn("127.0.0.1", certificate.cert, certificate.key);
    REQUIRE(cdn.server.is_valid());
    cdn.server.Get("/blob", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(data, "application/octet-stream");
    });
    cdn.start();
    {
      HubClient untrusting(fast_options("http://hub.invalid"));
      Collected out;
      try {
        untrusting.download(cdn.base() + "/blob", 0, data.size(), out.sink());
        FAIL("expected OfflineError");
      } catch (const OfflineError& e) {
        std::string what = e.what();
        CHECK(what.find("not trusted") != std::string::npos);
        CHECK(what.find("ca_bundle") != std::string::npos);
      }
      CHECK(out.bytes.empty());
    }
    auto options = fast_options("http://hub.invalid");
    options.ca_bundle = certificate.pem.string();
    HubClient trusting(options);
    Collected out;
    CHECK(trusting.download(cdn.base() + "/blob", 0, data.size(), out.sink()) == data.size());
    CHECK(out.bytes == data);
    CHECK(out.largest >= 16384);  // whole TLS records (16 KiB), not cpp-httplib's 4 KiB reads

    // By name: "localhost" is in the certificate.
    auto by_name = cdn.base();
    by_name.replace(by_name.find("127.0.0.1"), 9, "localhost");
    Collected named;
    CHECK(trusting.download(by_name + "/blob", 0, data.size(), named.sink()) == data.size());

    auto missing = fast_options("http://hub.invalid");
    missing.ca_bundle = "/nonexistent/ca.pem";
    HubClient unreadable(missing);
    try {
      unreadable.download(cdn.base() + "/blob", 0, data.size(), out.sink());
      FAIL("expected Error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
    }
  }

  TEST_CASE("HTTPS: a certificate for another host name is refused") {
    TestCertificate certificate("DNS:other.example");
    TestServer<httplib::SSLServer> cdn("127.0.0.1", certificate.cert, certificate.key);
    cdn.server.Get("/blob", [&](const httplib::Request&, httplib::Response& res) { res.set_content("x", "text/plain"); });
    cdn.start();
    auto options = fast_options("http://hub.invalid");
    options.ca_bundle = certificate.pem.string();
    HubClient client(options);
    Collected out;
    try {
      client.download(cdn.base() + "/blob", 0, big, out.sink());
      FAIL("expected OfflineError");
    } catch (const OfflineError& e) {
      CHECK(std::string(e.what()).find("another host name") != std::string::npos);
    }
  }

  TEST_CASE("through a proxy, a large range streams in large blocks, with the proxy's credentials") {
    const auto data = big_bytes();
    TestServer<> proxy("127.0.0.1");
    Recorder seen;
    proxy.server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("target", req.target);
      seen.set("proxy_auth", req.get_header_value("Proxy-Authorization"));
      res.set_content(data, "application/octet-stream");
    });
    proxy.start();
    auto options = fast_options("http://hub.invalid");
    options.http_proxy = "http://user:p%40ss@" + proxy.base().substr(7);
    HubClient client(options);
    Collected out;
    CHECK(client.download("http://cdn.invalid/blob", 0, data.size(), out.sink()) == data.size());
    CHECK(out.bytes == data);
    CHECK(out.largest >= 16384);
    CHECK(seen.get("target") == "http://cdn.invalid/blob");
    CHECK(seen.get("proxy_auth") == "Basic dXNlcjpwQHNz");
  }
}

TEST_SUITE("hub_stop") {
  TEST_CASE("a stop request ends the retry back-off at once: StopRequested, not OfflineError after the retries") {
    std::stop_source stop;
    auto options = fast_options("http://127.0.0.1:" + std::to_string(closed_port()));
    options.base_backoff = 10s;
    options.max_backoff = 10s;
    options.stop = stop.get_token();
    HubClient client(options);
    std::thread stopper([&] {
      std::this_thread::sleep_for(300ms);
      stop.request_stop();
    });
    auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(client.resolve_commit({core::RepoType::model, "org/m"}, "main"), StopRequested);
    Collected out;
    CHECK_THROWS_AS(client.download(options.endpoint + "/x", 0, big, out.sink()), StopRequested);
    auto took = std::chrono::steady_clock::now() - start;
    stopper.join();
    CHECK(took < 2s);
  }
}
