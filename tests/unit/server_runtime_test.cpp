// Metrics text, pull event queues and sd_notify: hfcached's pieces without HTTP.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include "metrics.hpp"
#include "pull_event_queue.hpp"
#include "repair/report_json.hpp"
#include "support/temp_dir.hpp"
#include "systemd_notify.hpp"

using namespace hfcache;
using namespace hfcache::server;

TEST_SUITE("server_metrics") {
  TEST_CASE("Prometheus text with the documented names, one HELP/TYPE per family") {
    Metrics m;
    m.requests_api += 3;
    m.requests_mirror += 2;
    m.responses_4xx += 1;
    m.pulls_started += 4;
    auto text = m.render(1234, 5, 1);
    CHECK(text.find("hfcache_requests_total{kind=\"api\"} 3\n") != std::string::npos);
    CHECK(text.find("hfcache_requests_total{kind=\"mirror\"} 2\n") != std::string::npos);
    CHECK(text.find("hfcache_responses_total{class=\"4xx\"} 1\n") != std::string::npos);
    CHECK(text.find("hfcache_responses_total{class=\"5xx\"} 0\n") != std::string::npos);
    CHECK(text.find("hfcache_pulls_started_total 4\n") != std::string::npos);
    CHECK(text.find("hfcache_cache_size_bytes 1234\n") != std::string::npos);
    CHECK(text.find("hfcache_cache_repos 5\n") != std::string::npos);
    CHECK(text.find("hfcache_active_pulls 1\n") != std::string::npos);
    for (const char* name : {"hfcache_bytes_served_total", "hfcache_cache_hits_total", "hfcache_cache_misses_total",
                             "hfcache_upstream_bytes_total", "hfcache_upstream_requests_total",
                             "hfcache_upstream_errors_total", "hfcache_errors_total", "hfcache_pulls_failed_total"}) {
      CAPTURE(name);
      CHECK(text.find(std::string("# TYPE ") + name + " counter\n") != std::string::npos);
    }
    auto first = text.find("# TYPE hfcache_requests_total");
    CHECK(text.find("# TYPE hfcache_requests_total", first + 1) == std::string::npos);
    CHECK(text.find("# TYPE hfcache_active_pulls gauge\n") != std::string::npos);
  }
}

TEST_SUITE("server_pull_event_queue") {
  TEST_CASE("events arrive in order; close ends the stream after what is queued") {
    PullEventQueue q;
    q.push({"progress", "{\"kind\":\"planned\"}"});
    q.push({"done", "{}"});
    q.close();
    q.push({"progress", "late"});  // ignored after close
    bool closed = false;
    auto events = q.wait(std::chrono::milliseconds(10), closed);
    REQUIRE(events.size() == 2);
    CHECK(events[0].name == "progress");
    CHECK(events[1].name == "done");
    CHECK(closed);
    CHECK(format_sse(events[1]) == "event: done\ndata: {}\n\n");
  }

  TEST_CASE("wait wakes when another thread pushes") {
    PullEventQueue q;
    std::thread t([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      q.push({"progress", "x"});
    });
    bool closed = true;
    auto events = q.wait(std::chrono::seconds(5), closed);
    t.join();
    CHECK(events.size() == 1);
    CHECK_FALSE(closed);
  }

  TEST_CASE("a subscriber that stopped reading drops old progress, never done") {
    PullEventQueue q;
    for (int i = 0; i < 10000; ++i) q.push({"progress", std::to_string(i)});
    q.push({"done", "{}"});
    bool closed = false;
    auto events = q.wait(std::chrono::milliseconds(1), closed);
    CHECK(events.size() <= 4097);
    CHECK(events.back().name == "done");
    CHECK(events[events.size() - 2].data == "9999");
  }
}

TEST_SUITE("server_systemd_notify") {
  TEST_CASE("a datagram reaches the socket named by NOTIFY_SOCKET; none set is fine") {
    test_support::TempDir dir;
    auto path = (dir.path / "notify").string();
    int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    CHECK(notify_systemd("READY=1"));
    char buffer[256] = {};
    auto n = ::recv(fd, buffer, sizeof buffer, 0);
    CHECK(std::string(buffer, static_cast<std::size_t>(n)) == "READY=1");
    ::setenv("NOTIFY_SOCKET", "relative/path", 1);
    CHECK_FALSE(notify_systemd("READY=1"));
    ::unsetenv("NOTIFY_SOCKET");
    CHECK(notify_systemd("READY=1"));
    ::close(fd);
    auto reloading = reloading_message();
    CHECK(reloading.rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0);
  }
}

TEST_SUITE("server_repair_report_json") {
  TEST_CASE("the CLI reads the daemon's JSON back into the same report") {
    repair::RepairReport report;
    repair::RepoReport repo;
    repo.repo = {core::RepoType::dataset, "org/data"};
    repo.entries_ok = 3;
    repo.complete = false;
    repo.finish_command = "hfcache pull datasets/org/data";
    repo.entries.push_back({"snapshots/abc/x.bin", repair::Form::corrupt, "set aside", false, 0, "hfcache pull"});
    repo.entries.push_back({"refs/main", repair::Form::crlf_ref, "rewrote", true, 2, ""});
    report.repos.push_back(repo);
    report.changed = true;
    report.bytes_freed = 2;
    auto json = repair::repair_report_json(report);
    auto back = repair::repair_report_from_json(json);
    CHECK(repair::repair_report_json(back) == json);
    auto verify = repair::verify_result_json(report);
    CHECK(verify["ok"] == false);
    CHECK(verify["fix_command"] == "hfcache repair --verify && hfcache pull datasets/org/data");
    CHECK_FALSE(verify.contains("changed"));
    CHECK(repair::form_from_string("no such form") == repair::Form::unknown);
    CHECK(repair::form_from_string("text_link") == repair::Form::text_link);
  }
}
