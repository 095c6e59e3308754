#include <doctest/doctest.h>

#include <vector>

#include "hub/upstream_chain.hpp"

using namespace hfcache::hub;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  UpstreamChain::Clock::time_point now{};
  std::vector<std::string> changes;
  UpstreamChain chain{{"http://site-a", "http://site-b", "https://hub"},
                      {10s, 40s},
                      [this](const std::string& endpoint, bool up, const std::string& why) {
                        changes.push_back(endpoint + (up ? " up" : " down: " + why));
                      },
                      [this] { return now; }};
};

}  // namespace

TEST_SUITE("hub_upstream_chain") {
  TEST_CASE("all up: configured order") {
    Fixture f;
    CHECK(f.chain.order() == std::vector<std::size_t>{0, 1, 2});
    CHECK(f.changes.empty());
  }

  TEST_CASE("a failed upstream goes last for its backoff, then is tried first again") {
    Fixture f;
    f.chain.failed(0, "connection refused");
    CHECK(f.chain.order() == std::vector<std::size_t>{1, 2, 0});
    REQUIRE(f.changes.size() == 1);
    CHECK(f.changes[0] == "http://site-a down: connection refused");
    auto states = f.chain.states();
    CHECK_FALSE(states[0].up);
    CHECK(states[0].down_for_s == 10);
    CHECK(states[0].last_error == "connection refused");
    f.now += 10s;
    CHECK(f.chain.order() == std::vector<std::size_t>{0, 1, 2});  // due: probed first
    f.chain.succeeded(0);
    CHECK(f.chain.states()[0].up);
    REQUIRE(f.changes.size() == 2);
    CHECK(f.changes[1] == "http://site-a up");
  }

  TEST_CASE("the backoff doubles on each failed probe up to the cap, and resets on success") {
    Fixture f;
    f.chain.failed(1, "503");
    f.now += 10s;
    f.chain.failed(1, "503");  // probe failed: 20 s
    CHECK(f.chain.order() == std::vector<std::size_t>{0, 2, 1});
    f.now += 19s;
    CHECK(f.chain.order() == std::vector<std::size_t>{0, 2, 1});
    f.now += 1s;
    f.chain.failed(1, "503");  // 40 s
    f.now += 40s;
    f.chain.failed(1, "503");  // capped at 40 s
    f.now += 40s;
    CHECK(f.chain.order() == std::vector<std::size_t>{0, 1, 2});
    CHECK(f.changes.size() == 1);  // one line for the change, none for each failed probe
    f.chain.succeeded(1);
    f.chain.failed(1, "again");
    f.now += 10s;
    CHECK(f.chain.order() == std::vector<std::size_t>{0, 1, 2});  // back to the first period
    CHECK(f.changes.size() == 3);
  }

  TEST_CASE("failures reported while already backing off do not extend the period") {
    Fixture f;
    f.chain.failed(0, "refused");
    f.now += 5s;
    f.chain.failed(0, "refused");  // a call that started before the first failure was seen
    f.now += 5s;
    CHECK(f.chain.order().front() == 0);
    CHECK(f.chain.states()[0].failures == 2);
  }

  TEST_CASE("all down: still tried, in configured order") {
    Fixture f;
    f.chain.failed(0, "x");
    f.chain.failed(1, "x");
    f.chain.failed(2, "x");
    CHECK(f.chain.order() == std::vector<std::size_t>{0, 1, 2});
  }
}
