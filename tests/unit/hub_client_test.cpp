// HubClient against httplib servers on loopback: metadata, JSON calls, retries, pagination.
#include <doctest/doctest.h>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "core/errors.hpp"
#include "hub/hub_client.hpp"
#include "support/loopback_server.hpp"

using namespace hfcache;
using namespace hfcache::hub;
using namespace std::chrono_literals;

namespace {

using namespace hfcache::test_support;

}  // namespace

TEST_SUITE("hub_client") {
  TEST_CASE("resolve_url encodes the revision and the path") {
    HubClient client(fast_options("https://huggingface.co/"));
    CHECK(client.resolve_url({core::RepoType::dataset, "org/set"}, "refs/pr/1", "docs/read me é.txt") ==
          "https://huggingface.co/datasets/org/set/resolve/refs%2Fpr%2F1/docs/read%20me%20%C3%A9.txt");
    CHECK(client.resolve_url({core::RepoType::model, "gpt2"}, "main", "a#b?.json") ==
          "https://huggingface.co/gpt2/resolve/main/a%23b%3F.json");
    CHECK_THROWS_AS(HubClient(fast_options("not a url")), UsageError);
    auto injected = fast_options("https://huggingface.co");
    injected.token = "hf_abc\r\nX-Evil: 1";
    CHECK_THROWS_AS(HubClient{injected}, UsageError);
    auto bad_proxy = fast_options("https://huggingface.co");
    bad_proxy.https_proxy = "ftp://127.0.0.1:21";  // socks5:// works since the transport is libcurl
    CHECK_THROWS_AS(HubClient{bad_proxy}, UsageError);
  }

  TEST_CASE("file_metadata follows a relative 307 (renamed repo) and sends the token") {
    TestServer hub;
    std::atomic<int> old_hits = 0;
    Recorder seen;
    hub.server.Get("/old-org/model/resolve/main/config.json", [&](const httplib::Request&, httplib::Response& res) {
      ++old_hits;
      res.status = 307;
      res.set_header("Location", "/new-org/model/resolve/main/config.json");
    });
    hub.server.Get("/new-org/model/resolve/main/config.json", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("auth", req.get_header_value("Authorization"));
      seen.set("method", req.method);
      seen.set("encoding", req.get_header_value("Accept-Encoding"));
      res.set_header("X-Repo-Commit", commit);
      res.set_header("ETag", "\"2222222222222222222222222222222222222222\"");
      res.set_content(std::string(570, 'x'), "application/json");
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    auto meta = client.file_metadata({core::RepoType::model, "old-org/model"}, "main", "config.json");
    CHECK(old_hits == 1);
    CHECK(seen.get("method") == "HEAD");
    CHECK(seen.get("auth") == "Bearer " + token);
    CHECK(seen.get("encoding") == "identity");
    CHECK(meta.commit == commit);
    CHECK(meta.etag == "2222222222222222222222222222222222222222");
    CHECK(meta.size == 570);
    CHECK(meta.location == hub.base() + "/new-org/model/resolve/main/config.json");
  }

  TEST_CASE("file_metadata does not follow an absolute 302 (CDN)") {
    TestServer hub;
    TestServer cdn("127.0.0.2");
    std::atomic<int> cdn_hits = 0;
    const std::string sha = std::string(64, 'a');
    const std::string cdn_url = cdn.base() + "/blob/model.bin?X-Amz-Signature=abc";
    hub.server.Get("/org/big/resolve/main/model.bin", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", cdn_url);
      res.set_header("X-Repo-Commit", commit);
      res.set_header("X-Linked-Etag", "\"" + sha + "\"");
      res.set_header("X-Linked-Size", "123456789");
      res.set_content("Found. Redirecting", "text/plain");
    });
    cdn.server.Get(".*", [&](const httplib::Request&, httplib::Response&) { ++cdn_hits; });
    hub.start();
    cdn.start();
    HubClient client(fast_options(hub.base()));
    auto meta = client.file_metadata({core::RepoType::model, "org/big"}, "main", "model.bin");
    CHECK(cdn_hits == 0);
    CHECK(meta.etag == sha);
    CHECK(meta.size == 123456789);
    CHECK(meta.location == cdn_url);
  }

  TEST_CASE("file_metadata: EntryNotFound carries the commit") {
    TestServer hub;
    hub.server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_header("X-Error-Code", "EntryNotFound");
      res.set_header("X-Repo-Commit", commit);
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    try {
      client.file_metadata({core::RepoType::model, "org/m"}, "main", "missing.txt");
      FAIL("expected EntryNotFoundError");
    } catch (const EntryNotFoundError& e) {
      CHECK(e.commit == commit);
      CHECK(e.code() == ExitCode::not_found);
      CHECK(std::string(e.what()).find("missing.txt") != std::string::npos);
    }
  }

  TEST_CASE("resolve_commit retries a 503 then succeeds") {
    TestServer hub;
    std::atomic<int> hits = 0;
    Recorder seen;
    hub.server.Get(R"(/api/models/org/flaky/revision/.*)", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("target", req.target);
      if (++hits == 1) {
        res.status = 503;
        return;
      }
      res.set_content(R"({"id":"org/flaky","sha":")" + commit + R"("})", "application/json");
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    CHECK(client.resolve_commit({core::RepoType::model, "org/flaky"}, "refs/pr/1") == commit);
    CHECK(hits == 2);
    CHECK(seen.get("target") == "/api/models/org/flaky/revision/refs%2Fpr%2F1");
  }

  TEST_CASE("resolve_commit gives up after max_retries with OfflineError") {
    TestServer hub;
    std::atomic<int> hits = 0;
    hub.server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.status = 500;
      res.set_header("X-Request-Id", "req-42");
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    try {
      client.resolve_commit({core::RepoType::dataset, "org/set"}, "main");
      FAIL("expected OfflineError");
    } catch (const OfflineError& e) {
      CHECK(std::string(e.what()).find("req-42") != std::string::npos);
    }
    CHECK(hits == 4);  // the first attempt and 3 retries
  }

  TEST_CASE("Retry-After is honoured (capped by max_server_wait)") {
    TestServer hub;
    std::atomic<int> hits = 0;
    hub.server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
      if (++hits == 1) {
        res.status = 429;
        res.set_header("Retry-After", "5");
        return;
      }
      res.set_content(R"({"sha":")" + commit + R"("})", "application/json");
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    auto start = std::chrono::steady_clock::now();
    CHECK(client.resolve_commit({core::RepoType::model, "org/m"}, "main") == commit);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= 280ms);
    CHECK(elapsed < 3s);
  }

  TEST_CASE("RepoNotFound without a token: not found, hint to log in, token never shown") {
    TestServer hub;
    std::atomic<bool> auth_sent = false;
    hub.server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
      auth_sent = req.has_header("Authorization");
      res.status = 401;
      res.set_header("X-Error-Code", "RepoNotFound");
      res.set_header("X-Error-Message", "Repository not found");
    });
    hub.start();
    auto options = fast_options(hub.base());
    options.token.reset();
    HubClient client(options);
    try {
      client.resolve_commit({core::RepoType::model, "org/private"}, "main");
      FAIL("expected NotFoundError");
    } catch (const NotFoundError& e) {
      CHECK(std::string(e.what()).find("org/private") != std::string::npos);
      CHECK(e.hint().find("HF_TOKEN") != std::string::npos);
    }
    CHECK_FALSE(auth_sent);
  }

  TEST_CASE("list_files follows Link rel=next over 3 pages (absolute and relative)") {
    TestServer hub;
    std::atomic<int> hits = 0;
    std::atomic<bool> params_ok = true;
    const std::string tree = "/api/models/org/paged/tree/" + commit;
    hub.server.Get(tree, [&](const httplib::Request& req, httplib::Response& res) {
      ++hits;
      if (req.get_param_value("recursive") != "true" || req.get_param_value("expand") != "false") params_ok = false;
      auto cursor = req.get_param_value("cursor");
      auto entry = [](const std::string& path) {
        return R"({"type":"file","oid":"1111111111111111111111111111111111111111","size":1,"path":")" + path + "\"}";
      };
      if (cursor.empty()) {
        res.set_header("Link", "<http://127.0.0.1:" + std::to_string(req.local_port) + tree +
                                   "?recursive=true&expand=false&cursor=2>; rel=\"next\"");
        res.set_content("[" + entry("a") + "," + entry("b") + R"(,{"type":"directory","oid":"x","path":"d"}])",
                        "application/json");
      } else if (cursor == "2") {
        res.set_header("Link", "<" + tree + "?recursive=true&expand=false&cursor=3>; rel=\"next\"");
        res.set_content("[" + entry("d/c") + "]", "application/json");
      } else {
        res.set_content("[" + entry("d/e") + "]", "application/json");
      }
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    auto files = client.list_files({core::RepoType::model, "org/paged"}, commit);
    CHECK(hits == 3);
    CHECK(params_ok);
    REQUIRE(files.size() == 4);
    CHECK(files[0].path == "a");
    CHECK(files[2].path == "d/c");
    CHECK(files[3].path == "d/e");
  }

  TEST_CASE("list_files refuses a listing that links to itself") {
    TestServer hub;
    hub.server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Link", "<" + req.target + ">; rel=\"next\"");
      res.set_content("[]", "application/json");
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    CHECK_THROWS_AS(client.list_files({core::RepoType::model, "org/loop"}, commit), Error);
  }

  TEST_CASE("connection refused becomes OfflineError after the retries") {
    int port = closed_port();  // nothing listens there
    HubClient client(fast_options("http://127.0.0.1:" + std::to_string(port)));
    try {
      client.resolve_commit({core::RepoType::model, "org/m"}, "main");
      FAIL("expected OfflineError");
    } catch (const OfflineError& e) {
      std::string what = e.what();
      CHECK(what.find("cannot connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
    }
  }

  TEST_CASE("a client with another token shares the tier chain: a down tier is passed over, reported once") {
    TestServer hub;
    std::atomic<int> checks = 0;
    hub.server.Get("/api/models/org/m/auth-check", [&](const httplib::Request&, httplib::Response& res) {
      ++checks;
      res.set_content("{}", "application/json");
    });
    hub.start();
    auto dead = "http://127.0.0.1:" + std::to_string(closed_port());
    auto options = fast_options(dead);
    options.endpoints = {dead, hub.base()};
    options.tier_backoff.backoff = 60s;
    std::atomic<int> changes = 0;
    options.on_tier_change = [&](const std::string&, bool, const std::string&) { ++changes; };
    HubClient daemon(options);
    for (int i = 0; i < 3; ++i) daemon.with_token("hf_client_token")->auth_check({core::RepoType::model, "org/m"});
    CHECK(checks.load() == 3);
    CHECK(changes.load() == 1);  // the dead tier went down once, and stayed down for the next clients
    auto states = daemon.upstreams();
    REQUIRE(states.size() == 2);
    CHECK_FALSE(states[0].up);
    CHECK(states[0].failures == 1);
  }
}
