#include <doctest/doctest.h>

#include "http/etag_match.hpp"

using namespace hfcache::http;

TEST_SUITE("http_etag_match") {
  TEST_CASE("normalize_etag like huggingface_hub _normalize_etag") {
    CHECK(normalize_etag("\"abc\"") == "abc");
    CHECK(normalize_etag("W/\"abc\"") == "abc");
    CHECK(normalize_etag("abc") == "abc");
    CHECK(normalize_etag("\"\"abc\"\"") == "abc");
    CHECK(normalize_etag("W/W/\"x\"") == "x");  // Python lstrip("W/") takes a character set
    CHECK(normalize_etag("") == "");
  }

  TEST_CASE("If-None-Match: quoted, weak, lists with spaces, the wildcard") {
    CHECK(etag_matches("\"abc\"", "abc"));
    CHECK(etag_matches("W/\"abc\"", "abc"));
    CHECK(etag_matches("abc", "abc"));
    CHECK(etag_matches("\"x\", \"abc\"", "abc"));
    CHECK(etag_matches(" \"x\" ,\t\"abc\" ", "abc"));
    CHECK(etag_matches("*", "abc"));
    CHECK_FALSE(etag_matches("\"abcd\"", "abc"));
    CHECK_FALSE(etag_matches("\"x\", \"y\"", "abc"));
    CHECK_FALSE(etag_matches("", "abc"));
    CHECK_FALSE(etag_matches(",,", "abc"));
  }
}
