// Redirect Locations reach the next request with their escapes: the old cpp-httplib client
// percent-decoded every response header, Location included (yhirose/cpp-httplib#1459), so a
// "%23" in a file path came back as '#' and cut the path there. Loopback httplib servers.
#include <doctest/doctest.h>
#include <httplib.h>

#include <string>

#include "hub/hub_client.hpp"
#include "http/url.hpp"
#include "support/loopback_server.hpp"

using namespace hfcache;
using namespace hfcache::hub;
using namespace hfcache::http;

namespace {
using namespace hfcache::test_support;

// "notes #1 100%.txt" as quote(path) writes it.
const std::string escaped_name = "notes%20%231%20100%25.txt";

// /old/... answers 307 to the same path under /new/ (what the hub does for a renamed repo or
// another letter case); /new/... records the request target as it arrived, per method (httplib
// answers HEAD with the GET handler).
void serve_rename(httplib::Server& server, Recorder& seen) {
  server.Get(".*", [&seen](const httplib::Request& req, httplib::Response& res) {
    if (req.target.starts_with("/old/")) {
      res.status = 307;
      res.set_header("Location", "/new/" + req.target.substr(5));
      return;
    }
    seen.set(req.method, req.target);
    res.set_header("ETag", "\"abc\"");
    res.set_header("X-Repo-Commit", commit);
    res.set_content("bytes", "application/octet-stream");
  });
}
}  // namespace

TEST_SUITE("hub_redirect_location") {
  TEST_CASE("GET follows a relative 307 with %23 and %25 in the path intact") {
    Recorder seen;
    TestServer<> hub;
    serve_rename(hub.server, seen);
    hub.start();
    HubClient client(fast_options(hub.base()));
    std::string body;
    client.download(hub.base() + "/old/m/resolve/main/" + escaped_name, 0, std::nullopt,
                    [&](const char* data, std::size_t n) {
                      body.append(data, n);
                      return true;
                    });
    CHECK(seen.get("GET") == "/new/m/resolve/main/" + escaped_name);
    CHECK(body == "bytes");
  }

  TEST_CASE("HEAD for file metadata follows a relative 307 with the escapes intact") {
    Recorder seen;
    TestServer<> hub;
    serve_rename(hub.server, seen);
    hub.start();
    HubClient client(fast_options(hub.base()));
    auto meta = client.file_metadata({core::RepoType::model, "old/m"}, "main", "notes #1 100%.txt");
    CHECK(seen.get("HEAD") == "/new/m/resolve/main/" + escaped_name);
    CHECK(meta.commit == commit);
  }
}
