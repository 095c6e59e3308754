#include <doctest/doctest.h>

#include "http/via_header.hpp"

using namespace hfcache::http;

TEST_SUITE("http_via_header") {
  TEST_CASE("the RFC 9110 example: protocol, received-by and comment") {
    auto entries = parse_via("1.0 fred, 1.1 p.example.net");
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].protocol == "1.0");
    CHECK(entries[0].received_by == "fred");
    CHECK(entries[1].received_by == "p.example.net");
  }

  TEST_CASE("comments hold commas, nesting and quoted pairs without splitting the list") {
    auto entries = parse_via(R"(HTTP/1.1 node-1:8765 (hfcached, tier (node)), 1.1 site:80 (a \) b),2 [::1]:9)");
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].protocol == "HTTP/1.1");
    CHECK(entries[0].received_by == "node-1:8765");
    CHECK(entries[0].comment == "hfcached, tier (node)");
    CHECK(entries[1].comment == "a ) b");
    CHECK(entries[2].received_by == "[::1]:9");
  }

  TEST_CASE("malformed members are skipped, the others kept") {
    auto entries = parse_via("1.1, , 1.1 good, 1.1 a b, 1.1 bad\"quote, 1.1 last");
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].received_by == "good");
    CHECK(entries[1].received_by == "last");
    CHECK(parse_via("1.1 x (never closed, 1.1 y").empty());
    CHECK(parse_via("").empty());
  }

  TEST_CASE("via_contains compares received-by without case") {
    CHECK(via_contains("1.1 Node-1:8765 (hfcached), 1.1 site:1", "node-1:8765"));
    CHECK_FALSE(via_contains("1.1 node-1:87650", "node-1:8765"));
    CHECK_FALSE(via_contains("1.1 x (node-1:8765)", "node-1:8765"));  // in a comment only
  }

  TEST_CASE("append_via adds one entry and escapes the comment") {
    CHECK(append_via("", "me:1") == "1.1 me:1");
    CHECK(append_via("1.1 a, ", "me:1", "hfcached") == "1.1 a, 1.1 me:1 (hfcached)");
    auto value = append_via("1.1 a", "me:1", "x (y) \\ z");
    auto entries = parse_via(value);
    REQUIRE(entries.size() == 2);
    CHECK(entries[1].comment == "x (y) \\ z");
  }

  TEST_CASE("via_token makes any name a received-by") {
    CHECK(via_token("gpu-07.lab:8765") == "gpu-07.lab:8765");
    CHECK(via_token("my node (a)") == "my-node--a-");
    CHECK(via_token("") == "hfcached");
  }
}
