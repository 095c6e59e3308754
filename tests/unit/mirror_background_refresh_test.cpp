// BackgroundRefresh: one question per key at a time, a bounded queue, one thread however many ask.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "mirror/background_refresh.hpp"

using namespace hfcache::mirror;
using namespace std::chrono_literals;

TEST_SUITE("mirror_background_refresh") {
  TEST_CASE("a key already queued or running is not queued again; after it ends it may be") {
    BackgroundRefresh refresh;
    std::promise<void> release;
    auto gate = release.get_future().share();
    std::atomic<int> runs = 0;
    auto slow = [&] {
      gate.wait();
      ++runs;
    };
    CHECK(refresh.submit("revision a", slow));
    CHECK_FALSE(refresh.submit("revision a", slow));  // running (or about to)
    CHECK(refresh.submit("revision b", [&] { ++runs; }));
    CHECK_FALSE(refresh.submit("revision b", [&] { ++runs; }));  // queued behind a
    CHECK(refresh.pending() == 2);
    release.set_value();
    refresh.wait_idle();
    CHECK(runs == 2);
    CHECK(refresh.pending() == 0);
    CHECK(refresh.submit("revision a", [&] { ++runs; }));
    refresh.wait_idle();
    CHECK(runs == 3);
  }

  TEST_CASE("the queue is bounded and every task runs on the same single thread") {
    BackgroundRefresh refresh(3);
    std::promise<void> release;
    auto gate = release.get_future().share();
    std::mutex mutex;
    std::set<std::thread::id> threads;
    auto task = [&] {
      gate.wait();
      std::lock_guard lock(mutex);
      threads.insert(std::this_thread::get_id());
    };
    int accepted = 0;
    for (int i = 0; i < 50; ++i) accepted += refresh.submit("key " + std::to_string(i), task) ? 1 : 0;
    // One running (taken off the queue) plus at most three waiting; the rest are dropped, not threads.
    CHECK(accepted >= 3);
    CHECK(accepted <= 4);
    release.set_value();
    refresh.wait_idle();
    CHECK(threads.size() == 1);
    CHECK(threads.count(std::this_thread::get_id()) == 0);
  }

  TEST_CASE("a failing task does not stop the ones after it; destruction drops what still waits") {
    std::atomic<int> runs = 0;
    std::promise<void> release;  // outlives the refresh: the blocking task is still waiting when it goes
    auto gate = release.get_future().share();
    {
      BackgroundRefresh refresh;
      CHECK(refresh.submit("bad", [] { throw std::runtime_error("upstream still down"); }));
      CHECK(refresh.submit("good", [&] { ++runs; }));
      refresh.wait_idle();
      CHECK(runs == 1);
      CHECK(refresh.submit("blocking", [gate] { gate.wait_for(200ms); }));
      CHECK(refresh.submit("dropped", [&] { ++runs; }));
    }
    CHECK(runs == 1);
  }
}
