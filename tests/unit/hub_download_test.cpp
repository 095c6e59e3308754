// HubClient::download against httplib servers on loopback: redirects, token scope, ranges, resume.
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
#include <vector>

#include "core/errors.hpp"
#include "http/url.hpp"
#include "hub/hub_client.hpp"
#include "support/loopback_server.hpp"

using namespace hfcache;
using namespace hfcache::hub;
using namespace hfcache::http;
using namespace std::chrono_literals;

namespace {

using namespace hfcache::test_support;

}  // namespace

namespace {

// 1000 distinct-ish bytes, so a wrong offset shows.
std::string pattern_bytes() {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>('a' + i % 26 + (i / 26) % 2);
  return data;
}

struct Collected {
  std::string bytes;
  ByteSink sink() {
    return [this](const char* data, std::size_t size) {
      bytes.append(data, size);
      return true;
    };
  }
};

}  // namespace

TEST_SUITE("hub_download") {
  TEST_CASE("follows the absolute redirect; the token goes to the hub only") {
    TestServer hub;
    TestServer cdn("127.0.0.2");
    Recorder seen;
    const auto data = pattern_bytes();
    hub.server.Get("/org/m/resolve/main/model.bin", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("hub_auth", req.get_header_value("Authorization"));
      seen.set("hub_ua", req.get_header_value("User-Agent"));
      res.status = 302;
      res.set_header("Location", cdn.base() + "/blob?X-Amz-Signature=sig");
      res.set_content("Found", "text/plain");
    });
    cdn.server.Get("/blob", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("cdn_has_auth", req.has_header("Authorization") ? "yes" : "no");
      seen.set("cdn_ua", req.get_header_value("User-Agent"));
      seen.set("cdn_query", req.get_param_value("X-Amz-Signature"));
      res.set_content(data, "application/octet-stream");
    });
    hub.start();
    cdn.start();
    HubClient client(fast_options(hub.base()));
    Collected out;
    auto url = client.resolve_url({core::RepoType::model, "org/m"}, "main", "model.bin");
    CHECK(client.download(url, 0, std::nullopt, out.sink()) == data.size());
    CHECK(out.bytes == data);
    CHECK(seen.get("hub_auth") == "Bearer " + token);
    CHECK(seen.get("cdn_has_auth") == "no");
    CHECK(seen.get("hub_ua") == "hfcache/0.1");
    CHECK(seen.get("cdn_ua") == "hfcache/0.1");
    CHECK(seen.get("cdn_query") == "sig");
  }

  TEST_CASE("ranged requests: 206 from the server") {
    TestServer cdn;
    Recorder seen;
    const auto data = pattern_bytes();
    cdn.server.Get("/blob", [&](const httplib::Request& req, httplib::Response& res) {
      seen.set("range", req.get_header_value("Range"));
      res.set_content(data, "application/octet-stream");
    });
    cdn.start();
    HubClient client(fast_options("http://hub.invalid"));
    Collected tail;
    CHECK(client.download(cdn.base() + "/blob", 100, std::nullopt, tail.sink()) == 900);
    CHECK(seen.get("range") == "bytes=100-");
    CHECK(tail.bytes == data.substr(100));
    Collected middle;
    CHECK(client.download(cdn.base() + "/blob", 100, 200, middle.sink()) == 100);
    CHECK(seen.get("range") == "bytes=100-199");
    CHECK(middle.bytes == data.substr(100, 100));
    Collected head;
    CHECK(client.download(cdn.base() + "/blob", 0, 10, head.sink()) == 10);
    CHECK(seen.get("range") == "bytes=0-9");
    CHECK(head.bytes == data.substr(0, 10));
    Collected whole;
    CHECK(client.download(cdn.base() + "/blob", 0, std::nullopt, whole.sink()) == 1000);
    CHECK(seen.get("range").empty());
  }

  TEST_CASE("a 200 answered to a ranged request: the first bytes are skipped") {
    TestServer cdn;
    const auto data = pattern_bytes();
    cdn.server.Get("/blob", [&](const httplib::Request& req, httplib::Response& res) {
      // Behave like a CDN that ignores Range: httplib would otherwise answer 206 by itself.
      const_cast<httplib::Request&>(req).ranges.clear();
      res.set_content(data, "application/octet-stream");
    });
    cdn.start();
    HubClient client(fast_options("http://hub.invalid"));
    Collected tail;
    CHECK(client.download(cdn.base() + "/blob", 250, std::nullopt, tail.sink()) == 750);
    CHECK(tail.bytes == data.substr(250));
    Collected middle;
    CHECK(client.download(cdn.base() + "/blob", 250, 300, middle.sink()) == 50);
    CHECK(middle.bytes == data.substr(250, 50));
  }

  TEST_CASE("a connection lost mid-body is a TransferError with the bytes delivered") {
    TestServer cdn;
    std::atomic<int> hits = 0;
    cdn.server.Get("/drop", [&](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.set_content_provider(1000, "application/octet-stream",
                               [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 if (offset >= 300) return false;  // closes the connection
                                 std::string chunk(100, 'z');
                                 sink.write(chunk.data(), chunk.size());
                                 return true;
                               });
    });
    cdn.start();
    HubClient client(fast_options("http://hub.invalid"));
    Collected out;
    try {
      client.download(cdn.base() + "/drop", 0, std::nullopt, out.sink());
      FAIL("expected TransferError");
    } catch (const TransferError& e) {
      CHECK(e.bytes_delivered == 300);
      CHECK(e.code() == ExitCode::offline);
    }
    CHECK(out.bytes == std::string(300, 'z'));
    CHECK(hits == 1);  // no retry of its own: the caller resumes
  }

  TEST_CASE("retries 503 on the initial response, honours the policy") {
    TestServer cdn;
    std::atomic<int> hits = 0;
    cdn.server.Get("/blob", [&](const httplib::Request&, httplib::Response& res) {
      if (++hits < 3) {
        res.status = 503;
        res.set_content("busy", "text/plain");
        return;
      }
      res.set_content("payload", "application/octet-stream");
    });
    cdn.start();
    HubClient client(fast_options("http://hub.invalid"));
    Collected out;
    CHECK(client.download(cdn.base() + "/blob", 0, std::nullopt, out.sink()) == 7);
    CHECK(out.bytes == "payload");
    CHECK(hits == 3);
  }

  TEST_CASE("a sink returning false cancels") {
    TestServer cdn;
    cdn.server.Get("/blob", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(100000, 'q'), "application/octet-stream");
    });
    cdn.start();
    HubClient client(fast_options("http://hub.invalid"));
    CHECK_THROWS_AS(client.download(cdn.base() + "/blob", 0, std::nullopt, [](const char*, std::size_t) { return false; }),
                    DownloadCancelled);
  }

  TEST_CASE("416 names the Range and the Content-Range; 403 from a CDN is worth resolving again") {
    TestServer cdn;
    cdn.server.Get("/gone", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */1000");
    });
    cdn.server.Get("/expired", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 403;
      res.set_content("<Error><Code>AccessDenied</Code></Error>", "application/xml");
    });
    cdn.start();
    HubClient client(fast_options("http://hub.invalid"));
    Collected out;
    try {
      client.download(cdn.base() + "/gone?sig=secret", 5000, std::nullopt, out.sink());
      FAIL("expected Error");
    } catch (const Error& e) {
      std::string what = e.what();
      CHECK(e.code() == ExitCode::failure);
      CHECK(what.find("bytes=5000-") != std::string::npos);
      CHECK(what.find("bytes */1000") != std::string::npos);
      CHECK(what.find("secret") == std::string::npos);
    }
    try {
      client.download(cdn.base() + "/expired", 0, std::nullopt, out.sink());
      FAIL("expected TransferError");
    } catch (const TransferError& e) {
      CHECK(e.bytes_delivered == 0);
      CHECK(std::string(e.what()).find("may have expired") != std::string::npos);
    }
  }

  TEST_CASE("403 from the hub itself is an AuthError") {
    TestServer hub;
    hub.server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 403;
      res.set_header("X-Error-Message", "Forbidden");
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    Collected out;
    CHECK_THROWS_AS(client.download(hub.base() + "/org/m/resolve/main/x", 0, std::nullopt, out.sink()), AuthError);
  }

  TEST_CASE("one client, several threads, each with its own connections") {
    TestServer cdn;
    const auto data = pattern_bytes();
    std::atomic<int> hits = 0;
    cdn.server.new_task_queue = [] { return new httplib::ThreadPool(4); };
    cdn.server.Get("/blob", [&](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.set_content(data, "application/octet-stream");
    });
    cdn.start();
    HubClient client(fast_options(cdn.base()));
    std::atomic<int> good = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 5; ++i) {
          Collected out;
          auto offset = static_cast<std::uint64_t>(t * 100 + i);
          if (client.download(cdn.base() + "/blob", offset, std::nullopt, out.sink()) == data.size() - offset &&
              out.bytes == data.substr(offset)) {
            ++good;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(good == 20);
    CHECK(hits == 20);
  }

  TEST_CASE("nothing listening: OfflineError after the retries, not a TransferError") {
    int port = closed_port();  // nothing listens there
    HubClient client(fast_options("http://hub.invalid"));
    Collected out;
    try {
      client.download("http://127.0.0.1:" + std::to_string(port) + "/x", 0, std::nullopt, out.sink());
      FAIL("expected OfflineError");
    } catch (const TransferError&) {
      FAIL("a refused connection is not a transfer to resume");
    } catch (const OfflineError& e) {
      CHECK(std::string(e.what()).find("cannot connect") != std::string::npos);
    }
  }

  TEST_CASE("invalid arguments") {
    HubClient client(fast_options("http://hub.invalid"));
    Collected out;
    CHECK(client.download("http://hub.invalid/x", 10, 10, out.sink()) == 0);
    CHECK_THROWS_AS(client.download("http://hub.invalid/x", 10, 5, out.sink()), UsageError);
    CHECK_THROWS_AS(client.download("file:///etc/passwd", 0, std::nullopt, out.sink()), UsageError);
  }
}
