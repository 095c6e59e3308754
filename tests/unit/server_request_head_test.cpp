// The request-head parser of the event-driven front: where a head ends and which requests the fast
// lane may answer (everything else is left to cpp-httplib).
#include <doctest/doctest.h>

#include "request_head.hpp"

using hfcache::server::parse_request_head;

TEST_SUITE("server_request_head") {

TEST_CASE("request head: incomplete until the empty line") {
  CHECK_FALSE(parse_request_head(""));
  CHECK_FALSE(parse_request_head("GET / HTTP/1.1\r\nHost: x\r\n"));
  CHECK_FALSE(parse_request_head("GET / HTTP/1.1\r\nHost: x\r\n\r"));
}

TEST_CASE("request head: a plain GET, with what follows it left alone") {
  std::string first = "GET /hfl/rbt3/resolve/main/config.json?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nRange:  bytes=0-9 \r\n\r\n";
  auto head = parse_request_head(first + "GET /next HTTP/1.1\r\n\r\n");
  REQUIRE(head);
  CHECK(head->length == first.size());
  CHECK(head->well_formed);
  CHECK(head->method == "GET");
  CHECK(head->target == "/hfl/rbt3/resolve/main/config.json?x=1");
  CHECK(head->version == "HTTP/1.1");
  REQUIRE(head->header("range"));
  CHECK(*head->header("RANGE") == "bytes=0-9");
  CHECK(head->header("If-None-Match") == nullptr);
  CHECK(head->bodiless_read());
  CHECK_FALSE(head->wants_close());
}

TEST_CASE("request head: Connection: close compared as cpp-httplib does (exactly)") {
  auto head = parse_request_head("HEAD / HTTP/1.1\r\nconnection: close\r\n\r\n");
  REQUIRE(head);
  CHECK(head->bodiless_read());
  CHECK(head->wants_close());
  auto other = parse_request_head("HEAD / HTTP/1.1\r\nConnection: Close\r\n\r\n");
  REQUIRE(other);
  CHECK_FALSE(other->wants_close());
}

TEST_CASE("request head: beyond httplib's 8192-byte target and line limits, no fast lane") {
  auto long_target = parse_request_head("GET /" + std::string(8192, 'a') + " HTTP/1.1\r\n\r\n");
  REQUIRE(long_target);
  CHECK_FALSE(long_target->bodiless_read());
  auto long_line = parse_request_head("GET / HTTP/1.1\r\nX: " + std::string(8200, 'a') + "\r\n\r\n");
  REQUIRE(long_line);
  CHECK_FALSE(long_line->bodiless_read());
  auto fine = parse_request_head("GET /" + std::string(8000, 'a') + " HTTP/1.1\r\nX: " + std::string(8000, 'b') + "\r\n\r\n");
  REQUIRE(fine);
  CHECK(fine->bodiless_read());
}

TEST_CASE("request head: requests the fast lane must leave to httplib") {
  auto not_fast = [](const std::string& text) {
    auto head = parse_request_head(text);
    REQUIRE(head);
    return !head->bodiless_read();
  };
  CHECK(not_fast("POST /api/models/a/b/paths-info/main HTTP/1.1\r\nContent-Length: 5\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.0\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"));
  // Malformed or lenient forms: httplib judges them exactly as before the front existed.
  CHECK(not_fast("GET / HTTP/1.1\nHost: x\n\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nHost: x\r\n  folded\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\n: nameless\r\n\r\n"));
  CHECK(not_fast("GET /a b HTTP/1.1\r\n\r\n"));
  CHECK(not_fast("GET relative HTTP/1.1\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/2\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nX-Bad: a\x01z\r\n\r\n"));
  CHECK(not_fast("\r\nGET / HTTP/1.1\r\n\r\n"));
  CHECK(not_fast("G(T / HTTP/1.1\r\n\r\n"));
}

TEST_CASE("request head: Content-Length: 0 is no body") {
  auto head = parse_request_head("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(head);
  CHECK(head->bodiless_read());
}

TEST_CASE("request head: the end of a bare-LF head is still found") {
  auto head = parse_request_head("GET / HTTP/1.1\nHost: x\n\nrest");
  REQUIRE(head);
  CHECK(head->length == std::string("GET / HTTP/1.1\nHost: x\n\n").size());
  CHECK_FALSE(head->well_formed);
}

}  // TEST_SUITE
