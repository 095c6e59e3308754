// CallLimits: the budget a caller puts on one hub call. Pure decisions first, then HubClient
// against loopback servers that refuse, stall, trickle or answer 503.
#include <doctest/doctest.h>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/errors.hpp"
#include "hub/call_limits.hpp"
#include "hub/hub_client.hpp"
#include "support/loopback_server.hpp"

using namespace hfcache;
using namespace hfcache::hub;
using namespace hfcache::test_support;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Options whose retry schedule is long enough that any retry would show in the elapsed time.
HubOptions slow_retry_options(const std::string& endpoint) {
  auto options = fast_options(endpoint);
  options.max_retries = 5;
  options.base_backoff = 1s;
  options.max_backoff = 8s;
  options.connect_timeout = 10s;
  options.read_timeout = 10s;
  return options;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const core::RepoRef repo{core::RepoType::model, "org/m"};

}  // namespace

TEST_SUITE("hub_call_limits") {
  TEST_CASE("within() sets a deadline and gives up at once on an unreachable host; default limits do neither") {
    auto now = Clock::now();
    auto limits = CallLimits::within(2s, now);
    REQUIRE(limits.deadline);
    CHECK(*limits.deadline == now + 2s);
    CHECK_FALSE(limits.retry_unreachable);
    CHECK(limits.remaining(now) == 2000ms);
    CHECK(limits.remaining(now + 3s) == 0ms);
    CHECK_FALSE(limits.expired(now + 1999ms));
    CHECK(limits.expired(now + 2s));
    CallLimits none;
    CHECK_FALSE(none.remaining(now));
    CHECK_FALSE(none.expired(now + 24h));
    CHECK(none.retry_unreachable);
    CHECK_FALSE(CallLimits::fail_fast().deadline);
    CHECK_FALSE(CallLimits::fail_fast().retry_unreachable);
  }

  TEST_CASE("a retry is kept only when its wait and one more attempt fit before the deadline") {
    auto now = Clock::now();
    auto limits = CallLimits::within(2s, now);
    CHECK(within_deadline({true, 1s}, limits, now).retry);
    CHECK(within_deadline({true, 1900ms}, limits, now).retry);
    CHECK_FALSE(within_deadline({true, 1901ms}, limits, now).retry);
    CHECK_FALSE(within_deadline({true, 2s}, limits, now + 1500ms).retry);
    CHECK_FALSE(within_deadline({true, 0ms}, limits, now + 2s).retry);
    CHECK_FALSE(within_deadline({false, 0ms}, limits, now).retry);
    // Without a deadline the policy decides alone: the 1, 2, 4, 8, 8 s schedule of a pull.
    CHECK(within_deadline({true, 8s}, CallLimits{}, now).retry);
    CHECK(within_deadline({true, 8s}, CallLimits{}, now).delay == 8s);
  }

  TEST_CASE("only an unreachable host ends a fail-fast call at once") {
    http::TransportError refused{http::TransportError::Kind::connect, "cannot connect"};
    http::TransportError timed_out{http::TransportError::Kind::timeout, "timed out connecting"};
    http::TransportError lost{http::TransportError::Kind::io, "connection lost"};
    CHECK(ends_call_at_once(refused, CallLimits::fail_fast()));
    CHECK(ends_call_at_once(refused, CallLimits::within(2s)));
    CHECK_FALSE(ends_call_at_once(refused, CallLimits{}));
    CHECK_FALSE(ends_call_at_once(timed_out, CallLimits::fail_fast()));
    CHECK_FALSE(ends_call_at_once(lost, CallLimits::within(2s)));
  }

  TEST_CASE("refused: a fail-fast call throws OfflineError at once instead of walking the retry schedule") {
    HubClient client(slow_retry_options("http://127.0.0.1:" + std::to_string(closed_port())));
    for (const auto& limits : {CallLimits::within(2s), CallLimits::fail_fast()}) {
      auto start = Clock::now();
      try {
        client.resolve_commit(repo, "main", limits);
        FAIL("expected OfflineError");
      } catch (const DeadlineExceeded&) {
        FAIL("refused is not a deadline");
      } catch (const OfflineError& e) {
        CHECK(std::string(e.what()).find("cannot connect to 127.0.0.1") != std::string::npos);
      }
      CHECK(seconds_since(start) < 0.5);
    }
  }

  TEST_CASE("an unresolvable host name fails at once too") {
    HubClient client(slow_retry_options("http://hub.invalid:1"));
    auto start = Clock::now();
    CHECK_THROWS_AS(client.list_refs(repo, CallLimits::within(2s)), OfflineError);
    CHECK(seconds_since(start) < 1.0);
  }

  TEST_CASE("stalled: accepts and never answers; GET and HEAD end by the deadline with DeadlineExceeded") {
    TestServer hub;
    hub.server.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(1500ms);
      res.set_content("{}", "application/json");
    });
    hub.start();
    HubClient client(slow_retry_options(hub.base()));
    auto start = Clock::now();
    CHECK_THROWS_AS(client.resolve_commit(repo, "main", CallLimits::within(400ms)), DeadlineExceeded);
    CHECK(seconds_since(start) < 0.8);
    start = Clock::now();
    CHECK_THROWS_AS(client.file_metadata(repo, "main", "config.json", CallLimits::within(400ms)), DeadlineExceeded);
    CHECK(seconds_since(start) < 0.8);
  }

  TEST_CASE("a body trickling in stops at the deadline even though each piece beats the read timeout") {
    TestServer hub;
    hub.server.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("application/json", [](std::size_t offset, httplib::DataSink& sink) {
        if (offset > 40) return false;
        std::this_thread::sleep_for(150ms);
        sink.write(" ", 1);
        return true;
      });
    });
    hub.start();
    HubClient client(slow_retry_options(hub.base()));
    auto start = Clock::now();
    CHECK_THROWS_AS(client.list_refs(repo, CallLimits::within(600ms)), DeadlineExceeded);
    CHECK(seconds_since(start) < 1.0);
  }

  TEST_CASE("503: retried only while the budget lasts; the status then is the answer") {
    TestServer hub;
    std::atomic<int> hits = 0;
    hub.server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.status = 503;
    });
    hub.start();
    HubClient client(slow_retry_options(hub.base()));
    auto start = Clock::now();
    CHECK_THROWS_AS(client.resolve_commit(repo, "main", CallLimits::within(1500ms)), OfflineError);
    CHECK(hits == 2);  // the 1 s wait fits in 1.5 s, the 2 s one does not
    CHECK(seconds_since(start) < 1.5);
  }

  TEST_CASE("without limits the client keeps its retries (a pull still rides out a short outage)") {
    TestServer hub;
    std::atomic<int> hits = 0;
    hub.server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
      if (++hits < 3) {
        res.status = 503;
        return;
      }
      res.set_content("{\"sha\":\"" + commit + "\"}", "application/json");
    });
    hub.start();
    HubClient client(fast_options(hub.base()));
    CHECK(client.resolve_commit(repo, "main") == commit);
    CHECK(hits == 3);
  }
}
