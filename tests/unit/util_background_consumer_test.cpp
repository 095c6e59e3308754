#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "util/background_consumer.hpp"

using hfcache::util::BackgroundConsumer;

TEST_SUITE("util_background_consumer") {
  TEST_CASE("every buffer is consumed in order, and drain() makes what the thread wrote visible") {
    std::string seen;
    BackgroundConsumer c([&](const char* d, std::size_t n) { seen.append(d, n); });
    const std::string parts[] = {"ab", "cde", "", "f"};
    for (const auto& p : parts) c.submit(p.data(), p.size());
    c.drain();
    CHECK(seen == "abcdef");
  }

  TEST_CASE("a failure on the thread is rethrown to the caller once; reset() forgets it") {
    int calls = 0;
    BackgroundConsumer c([&](const char*, std::size_t n) {
      ++calls;
      if (n == 3) throw std::runtime_error("bad buffer");
    });
    c.submit("abc", 3);
    CHECK_THROWS_WITH_AS(c.drain(), "bad buffer", std::runtime_error);
    c.drain();  // reported once
    c.submit("abc", 3);
    c.reset();
    c.submit("x", 1);
    c.drain();
    CHECK(calls == 3);
  }
}
