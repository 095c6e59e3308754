// Where a request's body ends (RFC 9112 section 6), and every framing two parsers could read
// differently refused with its status.
#include <doctest/doctest.h>

#include <string>

#include "request_framing.hpp"

using hfcache::server::BodyFraming;
using hfcache::server::decide_framing;
using hfcache::server::FramingDecision;
using hfcache::server::parse_request_head;

namespace {

FramingDecision decide(const std::string& method, const std::string& fields, std::uint64_t max_body = 1 << 20,
                       const std::string& version = "HTTP/1.1") {
  auto parsed = parse_request_head(method + " /v1/x " + version + "\r\n" + fields + "\r\n");
  REQUIRE(parsed.state == hfcache::server::HeadParse::State::complete);
  return decide_framing(parsed.head, max_body);
}

std::string refused(const std::string& method, const std::string& fields, const std::string& version = "HTTP/1.1") {
  auto d = decide(method, fields, 1 << 20, version);
  return d.refusal ? std::to_string(d.refusal.status) + " " + std::string(d.refusal.reason) : "accepted";
}

}  // namespace

TEST_SUITE("server_request_framing") {

TEST_CASE("framing: no body, a Content-Length body, a chunked body") {
  auto none = decide("GET", "Host: x\r\n");
  CHECK_FALSE(none.refusal);
  CHECK(none.framing.kind == BodyFraming::Kind::none);
  CHECK_FALSE(none.framing.has_body());
  auto post = decide("POST", "Host: x\r\n");  // no framing field: an empty body (RFC 9112 section 6.3)
  CHECK(post.framing.kind == BodyFraming::Kind::none);
  auto length = decide("POST", "Host: x\r\nContent-Length: 42\r\n");
  CHECK(length.framing.kind == BodyFraming::Kind::length);
  CHECK(length.framing.length == 42);
  auto zero = decide("GET", "Host: x\r\nContent-Length: 0\r\n");
  CHECK_FALSE(zero.refusal);
  CHECK_FALSE(zero.framing.has_body());
  auto chunked = decide("PUT", "Host: x\r\nTransfer-Encoding: Chunked\r\n");
  CHECK(chunked.framing.kind == BodyFraming::Kind::chunked);
  CHECK(refused("PATCH", "Host: x\r\nTransfer-Encoding: chunked,\r\n") == "accepted");  // empty elements are ignored
}

TEST_CASE("framing: Content-Length with Transfer-Encoding, or any coding but chunked alone") {
  CHECK(refused("POST", "Host: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n") ==
        "400 both Content-Length and Transfer-Encoding");
  CHECK(refused("POST", "Host: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n") ==
        "400 both Content-Length and Transfer-Encoding");
  CHECK(refused("POST", "Host: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") ==
        "400 Transfer-Encoding given more than once");
  for (const char* coding : {"gzip, chunked", "chunked, gzip", "chunked, chunked", "identity", "", "xchunked",
                             "chunked;q=1", "\"chunked\"", "gzip"}) {
    CAPTURE(coding);
    CHECK(refused("POST", std::string("Host: x\r\nTransfer-Encoding: ") + coding + "\r\n") ==
          "400 a Transfer-Encoding other than chunked alone");
  }
  CHECK(refused("POST", "Transfer-Encoding: chunked\r\n", "HTTP/1.0") == "400 Transfer-Encoding in an HTTP/1.0 request");
}

TEST_CASE("framing: Content-Length must be one plain decimal number") {
  for (const char* value : {"+2", "-1", "0x10", "2x", "1 0", "", ",", "18446744073709551616", "99999999999999999999999",
                            "5;", "1e3"}) {
    CAPTURE(value);
    CHECK(refused("POST", std::string("Host: x\r\nContent-Length: ") + value + "\r\n") ==
          "400 Content-Length is not a decimal number (or too large to read)");
  }
  CHECK(refused("POST", "Host: x\r\nContent-Length: 2, 98\r\n") == "400 Content-Length values differ");
  CHECK(refused("POST", "Host: x\r\nContent-Length: 3\r\nContent-Length: 70\r\n") == "400 Content-Length values differ");
  CHECK(refused("POST", "Host: x\r\nContent-Length: 5\r\nContent-Length: 05\r\n") == "400 Content-Length values differ");
  // The same value repeated is one value (RFC 9110 section 8.6).
  auto same = decide("POST", "Host: x\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n");
  CHECK_FALSE(same.refusal);
  CHECK(same.framing.length == 7);
  auto largest = decide("POST", "Host: x\r\nContent-Length: 18446744073709551615\r\n", UINT64_MAX);
  CHECK(largest.framing.length == UINT64_MAX);
}

TEST_CASE("framing: a body on a method that takes none, and one over the limit") {
  for (const char* method : {"GET", "HEAD", "DELETE", "OPTIONS"}) {
    CAPTURE(method);
    CHECK(refused(method, "Host: x\r\nContent-Length: 1\r\n") ==
          "400 a body on a method that takes none (GET, HEAD, DELETE, OPTIONS)");
    CHECK(refused(method, "Host: x\r\nTransfer-Encoding: chunked\r\n") ==
          "400 a body on a method that takes none (GET, HEAD, DELETE, OPTIONS)");
    CHECK(refused(method, "Host: x\r\nContent-Length: 0\r\n") == "accepted");
  }
  CHECK(decide("POST", "Host: x\r\nContent-Length: 1001\r\n", 1000).refusal.status == 413);
  CHECK_FALSE(decide("POST", "Host: x\r\nContent-Length: 1000\r\n", 1000).refusal);
  CHECK_FALSE(decide("POST", "Host: x\r\nTransfer-Encoding: chunked\r\n", 1000).refusal);  // judged while decoding
}

TEST_CASE("framing: exactly one Host in HTTP/1.1, at most one in HTTP/1.0") {
  CHECK(refused("GET", "") == "400 no Host field (HTTP/1.1 requires one)");
  CHECK(refused("GET", "Host: a\r\nHost: b\r\n") == "400 more than one Host field");
  CHECK(refused("GET", "Host: a\r\nhost: a\r\n") == "400 more than one Host field");
  CHECK(refused("GET", "", "HTTP/1.0") == "accepted");
  CHECK(refused("GET", "Host: a\r\nHost: b\r\n", "HTTP/1.0") == "400 more than one Host field");
}

TEST_CASE("framing: Expect") {
  auto waits = decide("POST", "Host: x\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n");
  CHECK_FALSE(waits.refusal);
  CHECK(waits.framing.expect_continue);
  CHECK_FALSE(decide("GET", "Host: x\r\nExpect: 100-continue\r\n").framing.expect_continue);  // no body to wait for
  CHECK(refused("POST", "Host: x\r\nContent-Length: 3\r\nExpect: 200-ok\r\n") == "417 an Expect other than 100-continue");
}

}  // TEST_SUITE
