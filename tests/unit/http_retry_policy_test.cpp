#include <doctest/doctest.h>

#include <vector>

#include "http/retry_policy.hpp"

using namespace hfcache;
using namespace hfcache::http;
using std::chrono::milliseconds;

TEST_SUITE("hub_retry_policy") {
  TEST_CASE("retryable statuses") {
    for (int status : {408, 429, 500, 502, 503, 504}) {
      CAPTURE(status);
      CHECK(http::is_retryable_status(status));
      CHECK(http::decide_after_status(http::RetryPolicy{}, 0, status).retry);
    }
    for (int status : {200, 206, 301, 302, 307, 400, 401, 403, 404, 407, 409, 416, 501, 505}) {
      CAPTURE(status);
      CHECK_FALSE(http::is_retryable_status(status));
      CHECK_FALSE(http::decide_after_status(http::RetryPolicy{}, 0, status).retry);
    }
  }

  TEST_CASE("exponential backoff 1, 2, 4, 8, 8 s and at most max_retries") {
    http::RetryPolicy policy;
    std::vector<long> waits;
    int retries = 0;
    for (;; ++retries) {
      auto decision = http::decide_after_status(policy, retries, 503);
      if (!decision.retry) break;
      waits.push_back(decision.delay.count());
    }
    CHECK(retries == 5);
    CHECK(waits == std::vector<long>{1000, 2000, 4000, 8000, 8000});
    CHECK(http::backoff_delay(policy, 40) == milliseconds(8000));
  }

  TEST_CASE("network errors follow the same schedule") {
    http::RetryPolicy policy{2, milliseconds(10), milliseconds(15)};
    CHECK(http::decide_after_network_error(policy, 0).delay == milliseconds(10));
    CHECK(http::decide_after_network_error(policy, 1).delay == milliseconds(15));
    CHECK_FALSE(http::decide_after_network_error(policy, 2).retry);
    http::RetryPolicy none{0};
    CHECK_FALSE(http::decide_after_network_error(none, 0).retry);
    CHECK_FALSE(http::decide_after_status(none, 0, 503).retry);
  }

  TEST_CASE("Retry-After: integer seconds plus one, capped") {
    http::RetryPolicy policy;
    CHECK(http::decide_after_status(policy, 0, 429, {"3", ""}).delay == milliseconds(4000));
    CHECK(http::decide_after_status(policy, 0, 503, {"0", ""}).delay == milliseconds(1000));
    CHECK(http::decide_after_status(policy, 0, 503, {"3600", ""}).delay == milliseconds(60000));
    // HTTP dates and garbage fall back to the backoff.
    CHECK(http::decide_after_status(policy, 2, 503, {"Wed, 21 Oct 2015 07:28:00 GMT", ""}).delay == milliseconds(4000));
    CHECK(http::decide_after_status(policy, 0, 503, {"-5", ""}).delay == milliseconds(1000));
    // The attempt limit wins over Retry-After.
    CHECK_FALSE(http::decide_after_status(policy, 5, 429, {"1", ""}).retry);
    // A non-retryable status ignores Retry-After.
    CHECK_FALSE(http::decide_after_status(policy, 0, 404, {"1", ""}).retry);
  }

  TEST_CASE("RateLimit reset on 429 when nothing remains") {
    http::RetryPolicy policy;
    CHECK(http::decide_after_status(policy, 0, 429, {"", R"("api";r=0;t=55)"}).delay == milliseconds(56000));
    CHECK(http::decide_after_status(policy, 0, 429, {"7", R"("api";r=0;t=2)"}).delay == milliseconds(3000));
    // Remaining requests: RateLimit says nothing about waiting, Retry-After does.
    CHECK(http::decide_after_status(policy, 0, 429, {"7", R"("api";r=10;t=2)"}).delay == milliseconds(8000));
    CHECK(http::parse_ratelimit_reset(R"("a";r=5;t=1, "b";r=0;t=9)") == std::chrono::seconds(9));
    CHECK_FALSE(http::parse_ratelimit_reset("nonsense"));
  }

  TEST_CASE("parse_retry_after") {
    CHECK(http::parse_retry_after("120") == std::chrono::seconds(120));
    CHECK(http::parse_retry_after(" 5 ") == std::chrono::seconds(5));
    CHECK_FALSE(http::parse_retry_after(""));
    CHECK_FALSE(http::parse_retry_after("1.5"));
    CHECK_FALSE(http::parse_retry_after("999999999999999999999"));
  }
}
