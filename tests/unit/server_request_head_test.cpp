// The request-head parser of the front: where a head ends, the strict RFC 9112 rules it refuses by
// (with their status), its limits, and which requests the fast lane may answer.
#include <doctest/doctest.h>

#include <string>

#include "request_head.hpp"

using hfcache::server::HeadLimits;
using hfcache::server::HeadParse;
using hfcache::server::HeadScan;
using hfcache::server::parse_request_head;
using State = HeadParse::State;

namespace {

// The status the head is refused with, 0 when accepted, -1 while incomplete.
int verdict(const std::string& text, const HeadLimits& limits = {}) {
  auto parsed = parse_request_head(text, limits);
  if (parsed.state == State::incomplete) return -1;
  return parsed.state == State::refused ? parsed.refusal.status : 0;
}

std::string reason(const std::string& text) { return std::string(parse_request_head(text).refusal.reason); }

}  // namespace

TEST_SUITE("server_request_head") {

TEST_CASE("request head: incomplete until the empty line") {
  CHECK(verdict("") == -1);
  CHECK(verdict("GET / HTTP/1.1\r\nHost: x\r\n") == -1);
  CHECK(verdict("GET / HTTP/1.1\r\nHost: x\r\n\r") == -1);
  CHECK(verdict("\r\n\r") == -1);
}

TEST_CASE("request head: a plain GET, with what follows it left alone") {
  std::string first = "GET /hfl/rbt3/resolve/main/config.json?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nRange:  bytes=0-9 \r\n\r\n";
  auto parsed = parse_request_head(first + "GET /next HTTP/1.1\r\n\r\n");
  REQUIRE(parsed.state == State::complete);
  const auto& head = parsed.head;
  CHECK(head.length == first.size());
  CHECK(head.method == "GET");
  CHECK(head.target == "/hfl/rbt3/resolve/main/config.json?x=1");
  CHECK(head.version == "HTTP/1.1");
  REQUIRE(head.header("range"));
  CHECK(*head.header("RANGE") == "bytes=0-9");
  CHECK(head.header("If-None-Match") == nullptr);
  CHECK(head.bodiless_read());
  CHECK_FALSE(head.wants_close());
}

TEST_CASE("request head: empty lines before the request line are skipped and counted in its length") {
  auto parsed = parse_request_head("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nrest");
  REQUIRE(parsed.state == State::complete);
  CHECK(parsed.head.method == "GET");
  CHECK(parsed.head.length == std::string("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").size());
  CHECK(verdict("\r\n\rGET / HTTP/1.1\r\n\r\n") == 400);  // a CR that does not end a line
  CHECK(verdict("\nGET / HTTP/1.1\r\n\r\n") == 400);
}

TEST_CASE("request head: Connection: close compared as cpp-httplib does (exactly)") {
  auto parsed = parse_request_head("HEAD / HTTP/1.1\r\nconnection: close\r\n\r\n");
  REQUIRE(parsed.state == State::complete);
  CHECK(parsed.head.bodiless_read());
  CHECK(parsed.head.wants_close());
  auto other = parse_request_head("HEAD / HTTP/1.1\r\nConnection: Close\r\n\r\n");
  REQUIRE(other.state == State::complete);
  CHECK_FALSE(other.head.wants_close());
}

TEST_CASE("request head: malformed lines are refused with 400, never left to a laxer parser") {
  CHECK(reason("GET / HTTP/1.1\nHost: x\n\n") == "a line of the head ends in a bare LF (CRLF is required)");
  CHECK(reason("GET / HTTP/1.1\r\nHost: x\n\r\n") == "a line of the head ends in a bare LF (CRLF is required)");
  CHECK(reason("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n") == "a CR inside a line of the head");
  CHECK(reason("GET / HTTP/1.1\r\nHost: x\r\n  folded\r\n\r\n") == "a folded header line (obs-fold)");
  CHECK(reason("GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n") == "a folded header line (obs-fold)");
  CHECK(reason("GET / HTTP/1.1\r\nno colon here\r\n\r\n") == "a header line without a colon");
  CHECK(reason("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == "whitespace between a header field name and its colon");
  CHECK(reason("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n") == "whitespace between a header field name and its colon");
  CHECK(reason("GET / HTTP/1.1\r\n: nameless\r\n\r\n") == "a header field name is not a token");
  CHECK(reason("GET / HTTP/1.1\r\nX(y): z\r\n\r\n") == "a header field name is not a token");
  CHECK(reason("GET / HTTP/1.1\r\nX-Bad: a\x01z\r\n\r\n") == "a header field value holds control characters");
  CHECK(reason(std::string("GET / HTTP/1.1\r\nX-Bad: a\0z\r\n\r\n", 30)) == "a header field value holds control characters");
  CHECK(verdict("GET / HTTP/1.1\r\nX-Fine: caf\xc3\xa9 \t ok\r\n\r\n") == 0);  // obs-text and inner whitespace
  CHECK(verdict("GET / HTTP/1.1\r\nX-Empty:\r\n\r\n") == 0);
}

TEST_CASE("request head: Content-Length and Transfer-Encoding must be written plainly") {
  for (const char* line : {"Transfer-Encoding:\tchunked", "Transfer-Encoding: chunked\t", "Transfer-Encoding:  chunked",
                           "Transfer-Encoding: chunked ", "Content-Length:\t5", "content-length: 5 ",
                           "Content-Length: \t5"}) {
    CAPTURE(line);
    CHECK(reason(std::string("POST / HTTP/1.1\r\n") + line + "\r\n\r\n") ==
          "Content-Length or Transfer-Encoding written with tabs or extra spaces");
  }
  CHECK(verdict("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:5\r\n\r\n") == 0);
  CHECK(verdict("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") == 0);
  CHECK(verdict("GET / HTTP/1.1\r\nX-Other:\tfine \r\n\r\n") == 0);  // other fields: OWS as RFC 9110 says
}

TEST_CASE("request head: the request line") {
  CHECK(reason("GET  / HTTP/1.1\r\n\r\n") == "the request line is not METHOD SP TARGET SP VERSION");
  CHECK(reason("GET /a b HTTP/1.1\r\n\r\n") == "the request line is not METHOD SP TARGET SP VERSION");
  CHECK(reason("GET / HTTP/1.1 \r\n\r\n") == "the request line is not METHOD SP TARGET SP VERSION");
  CHECK(reason("garbage\r\n\r\n") == "the request line is not METHOD SP TARGET SP VERSION");
  CHECK(reason("G(T / HTTP/1.1\r\n\r\n") == "the method is not a token");
  CHECK(reason("GET /\x7f HTTP/1.1\r\n\r\n") == "the request target is empty or holds control characters");
  CHECK(reason("GET / HTTP/1\r\n\r\n") == "the request line has no valid HTTP version");
  CHECK(reason("GET / http/1.1\r\n\r\n") == "the request line has no valid HTTP version");
  CHECK(verdict("GET / HTTP/2.0\r\n\r\n") == 505);
  CHECK(verdict("GET / HTTP/1.2\r\n\r\n") == 505);
  CHECK(verdict("TRACE / HTTP/1.1\r\n\r\n") == 501);
  CHECK(verdict("get / HTTP/1.1\r\n\r\n") == 501);  // methods are case-sensitive
  CHECK(verdict("GET / HTTP/1.0\r\n\r\n") == 0);
  CHECK(verdict("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
}

TEST_CASE("request head: limits, each with its status, refused as soon as they are passed") {
  // The request line, CRLF included, is at most 8192 bytes (cpp-httplib's limit).
  std::string fits = "GET /" + std::string(8192 - 16, 'a') + " HTTP/1.1\r\n";
  CHECK(fits.size() == 8192);
  CHECK(verdict(fits + "Host: x\r\n\r\n") == 0);
  CHECK(verdict("GET /" + std::string(8192 - 15, 'a') + " HTTP/1.1\r\n\r\n") == 414);
  CHECK(verdict("GET /" + std::string(9000, 'a')) == 414);  // before its end arrives
  // A field line likewise, 431.
  CHECK(verdict("GET / HTTP/1.1\r\nX: " + std::string(8192 - 5, 'a') + "\r\n\r\n") == 0);
  CHECK(verdict("GET / HTTP/1.1\r\nX: " + std::string(8192 - 4, 'a') + "\r\n\r\n") == 431);
  CHECK(verdict("GET / HTTP/1.1\r\nX: " + std::string(9000, 'a')) == 431);
  // "X:value" grows by the space httplib is handed ("X: value"): that form must fit as well.
  CHECK(verdict("GET / HTTP/1.1\r\nX:" + std::string(8192 - 4, 'a') + "\r\n\r\n") == 431);
  // Field count.
  HeadLimits limits;
  limits.fields = 3;
  CHECK(verdict("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits) == 0);
  CHECK(verdict("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits) == 431);
  CHECK(verdict("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", limits) == 431);  // before the end
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 10000; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  CHECK(verdict(many + "\r\n") == 431);
  // The whole head.
  limits = {};
  limits.section = 100;
  std::string head = "GET / HTTP/1.1\r\nX: " + std::string(60, 'a') + "\r\n";  // 81 bytes
  CHECK(verdict(head + "\r\n", limits) == 0);
  CHECK(verdict(head + "Y: " + std::string(20, 'b') + "\r\n\r\n", limits) == 431);
  CHECK(verdict(head + "Y: " + std::string(20, 'b'), limits) == 431);
  CHECK(verdict(std::string(60, '\r') + std::string(60, '\n'), limits) == 400);
  std::string blank_lines;
  for (int i = 0; i < 60; ++i) blank_lines += "\r\n";
  CHECK(verdict(blank_lines, limits) == 431);  // empty lines count too
}

TEST_CASE("request head: scanning a head that arrives a byte at a time gives the same answer") {
  std::string text = "POST /v1/pulls HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
  HeadScan scan;
  HeadParse parsed;
  std::size_t i = 1;
  for (; i <= text.size(); ++i) {
    parsed = parse_request_head(std::string_view(text).substr(0, i), {}, scan);
    if (parsed.state != State::incomplete) break;
  }
  REQUIRE(parsed.state == State::complete);
  CHECK(i == text.size() - 2);
  CHECK(parsed.head.length == text.size() - 2);
  CHECK(*parsed.head.header("content-length") == "2");
  HeadScan bad;
  std::string lf = "GET / HTTP/1.1\r\nHost: x\n";
  for (i = 1; i <= lf.size(); ++i)
    if (parse_request_head(std::string_view(lf).substr(0, i), {}, bad).state != State::incomplete) break;
  CHECK(i == lf.size());  // refused at the bare LF, before any empty line
}

TEST_CASE("request head: requests the fast lane must leave to httplib") {
  auto not_fast = [](const std::string& text) {
    auto parsed = parse_request_head(text);
    REQUIRE(parsed.state == State::complete);
    return !parsed.head.bodiless_read();
  };
  CHECK(not_fast("POST /api/models/a/b/paths-info/main HTTP/1.1\r\nContent-Length: 5\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.0\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"));
  CHECK(not_fast("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"));
}

TEST_CASE("request head: Content-Length: 0 is no body") {
  auto parsed = parse_request_head("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(parsed.state == State::complete);
  CHECK(parsed.head.bodiless_read());
}

}  // TEST_SUITE
