// HubClient over HTTPS and through a proxy, against httplib servers on loopback.
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
#include <cstdio>
#include <filesystem>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "core/errors.hpp"
#include "hub/hub_client.hpp"
#include "support/loopback_server.hpp"
#include "support/test_certificate.hpp"

using namespace hfcache;
using namespace hfcache::hub;
using namespace std::chrono_literals;

namespace {

using namespace hfcache::test_support;


void serve_revision(httplib::Server& server) {
  server.Get(".*", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"sha":")" + commit + R"("})", "application/json");
  });
}

}  // namespace

TEST_SUITE("hub_tls") {
  TEST_CASE("HTTPS is verified: an unknown certificate is refused with advice, ca_bundle makes it trusted") {
    TestCertificate certificate("IP:127.0.0.1,DNS:localhost");
    TestServer<httplib::SSLServer> hub("127.0.0.1", certificate.cert, certificate.key);
    REQUIRE(hub.server.is_valid());
    serve_revision(hub.server);
    hub.start();
    {
      HubClient client(fast_options(hub.base()));
      try {
        client.resolve_commit({core::RepoType::model, "org/m"}, "main");
        FAIL("expected OfflineError");
      } catch (const OfflineError& e) {
        std::string what = e.what();
        CHECK(what.find("not trusted") != std::string::npos);
        CHECK(what.find("ca_bundle") != std::string::npos);
      }
    }
    auto options = fast_options(hub.base());
    options.ca_bundle = certificate.pem.string();
    HubClient trusting(options);
    CHECK(trusting.resolve_commit({core::RepoType::model, "org/m"}, "main") == commit);
  }

  TEST_CASE("HTTPS checks the host name") {
    TestCertificate certificate("DNS:other.example");
    TestServer<httplib::SSLServer> hub("127.0.0.1", certificate.cert, certificate.key);
    serve_revision(hub.server);
    hub.start();
    auto options = fast_options(hub.base());
    options.ca_bundle = certificate.pem.string();
    HubClient client(options);
    try {
      client.resolve_commit({core::RepoType::model, "org/m"}, "main");
      FAIL("expected OfflineError");
    } catch (const OfflineError& e) {
      CHECK_MESSAGE(std::string(e.what()).find("another host name") != std::string::npos, std::string(e.what()));
    }
  }

  TEST_CASE("an unreadable ca_bundle is a clear error") {
    TestCertificate certificate("IP:127.0.0.1");
    TestServer<httplib::SSLServer> hub("127.0.0.1", certificate.cert, certificate.key);
    serve_revision(hub.server);
    hub.start();
    auto options = fast_options(hub.base());
    options.ca_bundle = "/nonexistent/ca.pem";
    HubClient client(options);
    try {
      client.resolve_commit({core::RepoType::model, "org/m"}, "main");
      FAIL("expected Error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
    }
  }
}

TEST_SUITE("hub_proxy") {
  TEST_CASE("plain-http requests go through the proxy with basic auth; the token still only to the hub") {
    TestServer<> proxy("127.0.0.1");
    Recorder seen;
    proxy.server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("target", req.target);
      seen.set("proxy_auth", req.get_header_value("Proxy-Authorization"));
      seen.set("auth", req.get_header_value("Authorization"));
      res.set_content(R"({"sha":")" + commit + R"("})", "application/json");
    });
    proxy.start();
    auto options = fast_options("http://hub.invalid");
    options.http_proxy = "http://user:p%40ss@" + proxy.base().substr(7);
    HubClient client(options);
    CHECK(client.resolve_commit({core::RepoType::model, "org/m"}, "main") == commit);
    CHECK(seen.get("target") == "http://hub.invalid/api/models/org/m/revision/main");
    CHECK(seen.get("proxy_auth") == "Basic dXNlcjpwQHNz");  // user:p@ss
    CHECK(seen.get("auth") == "Bearer " + token);
  }
}
