#include <doctest/doctest.h>

#include "http/byte_range.hpp"

using namespace hfcache;
using namespace hfcache::http;

namespace {

std::optional<http::ResolvedRange> resolve(const char* header, std::uint64_t size) {
  auto r = http::parse_range_header(header);
  REQUIRE(r);
  return http::resolve_range(*r, size);
}

}  // namespace

TEST_SUITE("mirror_byte_range") {
  TEST_CASE("single ranges resolved against the size") {
    auto r = resolve("bytes=0-0", 100);
    REQUIRE(r);
    CHECK(r->start == 0);
    CHECK(r->length == 1);
    CHECK(http::content_range(*r, 100) == "bytes 0-0/100");
    r = resolve("bytes=10-", 100);
    REQUIRE(r);
    CHECK(r->start == 10);
    CHECK(r->length == 90);
    r = resolve("bytes=90-1000", 100);
    REQUIRE(r);
    CHECK(r->length == 10);
    CHECK(http::content_range(*r, 100) == "bytes 90-99/100");
    r = resolve("bytes=-30", 100);
    REQUIRE(r);
    CHECK(r->start == 70);
    CHECK(r->length == 30);
    r = resolve("bytes=-300", 100);
    REQUIRE(r);
    CHECK(r->start == 0);
    CHECK(r->length == 100);
    r = resolve("Bytes=5-9", 100);
    REQUIRE(r);
    CHECK(r->length == 5);
  }

  TEST_CASE("unsatisfiable ranges") {
    CHECK(!resolve("bytes=100-", 100));
    CHECK(!resolve("bytes=100-200", 100));
    CHECK(!resolve("bytes=-0", 100));
    CHECK(!resolve("bytes=0-0", 0));
    CHECK(!resolve("bytes=0-", 0));
  }

  TEST_CASE("ignored headers: malformed or several ranges") {
    CHECK(!http::parse_range_header(""));
    CHECK(!http::parse_range_header("bytes"));
    CHECK(!http::parse_range_header("items=0-1"));
    CHECK(!http::parse_range_header("bytes=0-1,5-6"));
    CHECK(!http::parse_range_header("bytes=5-1"));
    CHECK(!http::parse_range_header("bytes=a-b"));
    CHECK(!http::parse_range_header("bytes=-"));
    CHECK(!http::parse_range_header("bytes=99999999999999999999-"));
  }
}
