// Proxies as the libcurl transport applies them: which setting a URL uses, which values are
// refused (without leaking a password), NO_PROXY (names, `*`, CIDR) matched by curl, plain-http
// requests in absolute form, HTTPS through a CONNECT tunnel with the proxy's credentials.
#include <doctest/doctest.h>

#include <httplib.h>

#include "core/errors.hpp"
#include "http/http_transport.hpp"
#include "support/connect_proxy.hpp"
#include "support/loopback_server.hpp"
#include "support/test_certificate.hpp"

using namespace hfcache;
using namespace hfcache::hub;
using namespace hfcache::http;
using namespace hfcache::test_support;
using namespace std::chrono_literals;

namespace {

http::Url url(const std::string& text) { return *http::parse_url(text); }

http::TransportOptions through(std::string proxy, std::string no_proxy) {
  http::TransportOptions options;
  options.connect_timeout = 2s;
  options.read_timeout = 2s;
  options.proxy.http_proxy = proxy;
  options.proxy.https_proxy = proxy;
  options.proxy.no_proxy = std::move(no_proxy);
  return options;
}

}  // namespace

TEST_SUITE("hub_proxy") {
  TEST_CASE("proxy_display names host and port, never the credentials; curl's default ports") {
    CHECK(http::proxy_display("http://proxy.corp:3128") == "proxy.corp:3128");
    CHECK(http::proxy_display("proxy.corp") == "proxy.corp:1080");
    CHECK(http::proxy_display("http://us%40er:p%3Ass@10.0.0.1:8080/") == "10.0.0.1:8080");
    CHECK(http::proxy_display("http://[fd00::1]:3128") == "[fd00::1]:3128");
    CHECK(http::proxy_display("socks5h://h:1080") == "h:1080");
    CHECK(http::proxy_display("https://h") == "h:443");
    CHECK_THROWS_AS(http::proxy_display("ftp://h:21"), UsageError);
    CHECK_THROWS_AS(http::proxy_display("http://h:notaport"), UsageError);
    CHECK_THROWS_AS(http::proxy_display("http://:80"), UsageError);
  }

  TEST_CASE("a malformed proxy does not leak its password in the message; the transport refuses it at once") {
    try {
      http::HttpTransport transport(through("http://user:s3cret@proxy:notaport", ""));
      FAIL("expected UsageError");
    } catch (const UsageError& e) {
      std::string what = e.what();
      CHECK(what.find("s3cret") == std::string::npos);
      CHECK(what.find("proxy:notaport") != std::string::npos);
    }
  }

  TEST_CASE("proxy_setting_for picks by scheme, falls back to all_proxy") {
    http::ProxyConfig config;
    config.all_proxy = "http://all:1";
    CHECK(proxy_setting_for(config, url("https://h/")) == "http://all:1");
    config.https_proxy = "http://secure:2";
    CHECK(proxy_setting_for(config, url("https://h/")) == "http://secure:2");
    CHECK(proxy_setting_for(config, url("http://h/")) == "http://all:1");
    config.http_proxy = "http://plain:3";
    CHECK(proxy_setting_for(config, url("http://h/")) == "http://plain:3");
  }

  TEST_CASE("NO_PROXY: a CIDR range, `*` or the host name sends the request direct; otherwise the proxy is used") {
    TestServer<> direct("127.0.0.2");
    direct.server.Get("/x", [](const httplib::Request&, httplib::Response& res) { res.set_content("direct", "text/plain"); });
    direct.start();
    const std::string dead_proxy = "http://127.0.0.1:" + std::to_string(closed_port());
    for (const char* bypass : {"127.0.0.0/8", "10.0.0.0/8, 127.0.0.2/32", "*", "example.com,127.0.0.2"}) {
      CAPTURE(bypass);
      http::HttpTransport transport(through(dead_proxy, bypass));
      auto result = transport.get(url(direct.base() + "/x"), {});
      REQUIRE(result.response);
      CHECK(result.response->body == "direct");
    }
    for (const char* other : {"", "10.0.0.0/8", "example.com", "127.0.0.3"}) {
      CAPTURE(other);
      http::HttpTransport transport(through(dead_proxy, other));
      auto result = transport.get(url(direct.base() + "/x"), {});
      REQUIRE(result.error);
      CHECK(result.error->kind == http::TransportError::Kind::connect);
      CHECK(result.error->message.find("through proxy 127.0.0.1:") != std::string::npos);
    }
  }

  TEST_CASE("plain http goes to the proxy in absolute form, with basic auth from the URL") {
    TestServer<> proxy("127.0.0.1");
    Recorder seen;
    proxy.server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("target", req.target);
      seen.set("proxy_auth", req.get_header_value("Proxy-Authorization"));
      res.set_content("via proxy", "text/plain");
    });
    proxy.start();
    http::HttpTransport transport(through("http://user:p%40ss@" + proxy.base().substr(7), "10.0.0.0/8"));
    auto result = transport.get(url("http://cdn.invalid/blob?x=1"), {});
    REQUIRE(result.response);
    CHECK(result.response->body == "via proxy");
    CHECK(seen.get("target") == "http://cdn.invalid/blob?x=1");
    CHECK(seen.get("proxy_auth") == "Basic dXNlcjpwQHNz");  // user:p@ss
  }

  TEST_CASE("HTTPS through a CONNECT tunnel: credentials on the CONNECT, the target's certificate verified") {
    TestCertificate certificate("IP:127.0.0.1");
    TestServer<httplib::SSLServer> hub("127.0.0.1", certificate.cert, certificate.key);
    REQUIRE(hub.server.is_valid());
    hub.server.Get("/api", [](const httplib::Request&, httplib::Response& res) { res.set_content("tunnelled", "text/plain"); });
    hub.start();
    ConnectProxy proxy;
    auto options = through("http://user:p%40ss@" + proxy.address(), "");
    options.ca_bundle = certificate.pem.string();
    http::HttpTransport transport(options);
    auto result = transport.get(url(hub.base() + "/api"), {});
    REQUIRE(result.response);
    CHECK(result.response->body == "tunnelled");
    auto seen = proxy.request();
    CHECK(seen.starts_with("CONNECT " + hub.base().substr(8) + " HTTP/1.1"));
    CHECK(seen.find("Proxy-Authorization: Basic dXNlcjpwQHNz") != std::string::npos);

    http::HttpTransport untrusting(through("http://" + proxy.address(), ""));
    auto refused = untrusting.get(url(hub.base() + "/api"), {});
    REQUIRE(refused.error);
    CHECK(refused.error->kind == http::TransportError::Kind::tls_verify);
  }

  TEST_CASE("a proxy refusing the tunnel (407) is not retried and says where the credentials go") {
    ConnectProxy proxy(407);
    http::HttpTransport transport(through("http://" + proxy.address(), ""));
    auto result = transport.get(url("https://hub.invalid/api"), {});
    REQUIRE(result.error);
    CHECK(result.error->kind == http::TransportError::Kind::other);
    CHECK_FALSE(result.error->retryable());
    CHECK(result.error->message.find("407") != std::string::npos);
    CHECK(result.error->message.find("user:password@") != std::string::npos);
  }
}
