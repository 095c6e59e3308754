// The front's request reader: head, framing and body read in order, bodies handed to cpp-httplib
// re-framed with one Content-Length, the next request never consumed.
#include <doctest/doctest.h>

#include <string>

#include "request_reader.hpp"

using hfcache::server::RequestLimits;
using hfcache::server::RequestReader;
using Phase = RequestReader::Phase;

namespace {

// Feeds `wire` in pieces of `step` bytes as a connection would (unconsumed bytes stay in front);
// returns the bytes of `wire` left unconsumed.
std::string feed(RequestReader& reader, const std::string& wire, std::size_t step) {
  std::string buffer;
  std::size_t at = 0;
  while (at < wire.size() || !buffer.empty()) {
    if (at < wire.size()) {
      buffer += wire.substr(at, step);
      at += std::min(step, wire.size() - at);
    }
    auto used = reader.feed(buffer);
    buffer.erase(0, used);
    if (reader.phase() == Phase::complete || reader.phase() == Phase::refused) break;
    if (used == 0 && at >= wire.size()) break;
  }
  return buffer + wire.substr(at);
}

}  // namespace

TEST_SUITE("server_request_reader") {

TEST_CASE("reader: a chunked POST is handed over de-chunked with one Content-Length") {
  std::string wire =
      "POST /v1/pulls HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n"
      "X-Keep:  kept \r\n\r\n3;e=1\r\n{\"a\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\nT: x\r\n\r\nGET /next HTTP/1.1\r\n";
  for (std::size_t step : {std::size_t{1}, std::size_t{7}, wire.size()}) {
    CAPTURE(step);
    RequestReader reader;
    auto rest = feed(reader, wire, step);
    REQUIRE(reader.phase() == Phase::complete);
    CHECK(rest.starts_with("GET /next"));
    CHECK(reader.handover() ==
          "POST /v1/pulls HTTP/1.1\r\nHost: h\r\nX-Keep: kept\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  }
}

TEST_CASE("reader: a Content-Length body, and bodiless requests get Content-Length: 0") {
  RequestReader reader;
  auto rest = feed(reader, "POST /v1/gc HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}GET", 5);
  REQUIRE(reader.phase() == Phase::complete);
  CHECK(rest == "GET");
  CHECK(reader.handover() == "POST /v1/gc HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}");
  reader.reset();
  CHECK(reader.idle());
  feed(reader, "POST /v1/reindex HTTP/1.0\r\n\r\n", 100);
  REQUIRE(reader.phase() == Phase::complete);
  CHECK(reader.handover() == "POST /v1/reindex HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("reader: 100 Continue is asked for once, before any body byte") {
  RequestReader reader;
  std::string head = "POST /v1/gc HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
  CHECK(reader.feed(head) == head.size());
  CHECK(reader.phase() == Phase::body);
  CHECK(reader.take_continue());
  CHECK_FALSE(reader.take_continue());
  CHECK(reader.feed("{}") == 2);
  CHECK(reader.phase() == Phase::complete);
  RequestReader eager;
  CHECK(eager.feed(head + "{") == head.size() + 1);  // the client did not wait
  CHECK_FALSE(eager.take_continue());
}

TEST_CASE("reader: refusals stop reading; nothing after them is consumed as a request") {
  RequestLimits limits;
  limits.max_body = 10;
  struct Case {
    std::string wire;
    int status;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nGET /", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n6\r\n", 413},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;x\n12345\r\n0\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\nContent-Length: 5\r\n\r\n", 400},
  };
  for (const auto& c : cases) {
    CAPTURE(c.wire);
    RequestReader reader(limits);
    feed(reader, c.wire, 3);
    CHECK(reader.phase() == Phase::refused);
    CHECK(reader.refusal().status == c.status);
  }
}

TEST_CASE("reader: body bytes are counted for the minimum rate") {
  RequestReader reader;
  reader.feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  CHECK(reader.body_bytes() == 0);
  CHECK(reader.feed("4\r\nab") == 5);
  CHECK(reader.body_bytes() == 5);
  CHECK_FALSE(reader.idle());
}

}  // TEST_SUITE
