// The front's chunked-body decoder: strict framing, incremental decoding, and its limits.
#include <doctest/doctest.h>

#include <string>

#include "chunked_decoder.hpp"

using hfcache::server::ChunkedDecoder;
using hfcache::server::is_chunk_extension;

namespace {

struct Decoded {
  bool done = false;
  int status = 0;
  std::string reason, body;
  std::size_t used = 0;
};

// Decodes `wire` fed in pieces of `step` bytes.
Decoded decode(const std::string& wire, std::size_t step = std::string::npos, std::uint64_t max_body = 1 << 20) {
  ChunkedDecoder decoder(max_body);
  Decoded out;
  for (std::size_t at = 0; at < wire.size() && !decoder.done() && !decoder.refusal();) {
    auto piece = std::string_view(wire).substr(at, step);
    auto n = decoder.feed(piece, out.body);
    out.used += n;
    at += n;
    if (n < piece.size()) break;  // it stopped: done or refused
  }
  out.done = decoder.done();
  out.status = decoder.refusal().status;
  out.reason = decoder.refusal().reason;
  return out;
}

}  // namespace

TEST_SUITE("server_chunked_decoder") {

TEST_CASE("chunked: chunks, extensions and trailers, whole or a byte at a time, the next request untouched") {
  std::string wire = "5\r\nhello\r\n1;a=b ; c=\"q\\\"d\" ;flag\r\n,\r\n000A\r\n 012345678\r\n0;last\r\nX-T: 1\r\nY:\r\n\r\n";
  for (std::size_t step : {std::string::npos, std::size_t{1}, std::size_t{3}}) {
    CAPTURE(step);
    auto d = decode(wire + "GET / HTTP/1.1\r\n", step);
    CHECK(d.done);
    CHECK(d.status == 0);
    CHECK(d.body == "hello, 012345678");
    CHECK(d.used == wire.size());
  }
  auto empty = decode("0\r\n\r\n");
  CHECK(empty.done);
  CHECK(empty.body.empty());
}

TEST_CASE("chunked: incomplete until the empty line after the last chunk") {
  for (const char* partial : {"", "5", "5\r", "5\r\nhel", "5\r\nhello", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n",
                              "0\r\nX: 1\r\n", "0\r\n\r"}) {
    CAPTURE(partial);
    auto d = decode(partial);
    CHECK_FALSE(d.done);
    CHECK(d.status == 0);
  }
}

TEST_CASE("chunked: every malformed form is refused") {
  struct Case {
    const char* wire;
    int status;
    const char* reason;
  };
  const Case cases[] = {
      {"ffffffffffffffff0\r\n", 400, "a chunk size overflows"},
      {"10000000000000002\r\nab\r\n0\r\n\r\n", 400, "a chunk size overflows"},
      {"zz\r\n", 400, "a chunk size is not a hex number"},
      {"\r\n", 400, "a chunk size is not a hex number"},
      {"+2\r\nab\r\n", 400, "a chunk size is not a hex number"},
      {"-2\r\nab\r\n", 400, "a chunk size is not a hex number"},
      {" 2\r\nab\r\n", 400, "a chunk size is not a hex number"},
      {"0x2\r\nab\r\n", 400, "a malformed chunk extension"},
      {"2 \r\nab\r\n", 400, "a malformed chunk extension"},
      {"2;\r\nab\r\n", 400, "a malformed chunk extension"},
      {"2;=v\r\nab\r\n", 400, "a malformed chunk extension"},
      {"2;a=\r\nab\r\n", 400, "a malformed chunk extension"},
      {"2;a=\"x\r\nab\r\n", 400, "a malformed chunk extension"},
      {"2;a=b c\r\nab\r\n", 400, "a malformed chunk extension"},
      {"2;a=b \r\nab\r\n", 400, "a malformed chunk extension"},
      {"2;a=\"\x01\"\r\nab\r\n", 400, "a malformed chunk extension"},
      {"2;ext\nab\r\n0\r\n\r\n", 400, "a bare LF in chunked framing (CRLF is required)"},
      {"2\nab\r\n", 400, "a bare LF in chunked framing (CRLF is required)"},
      {"2\rab\r\n", 400, "a bare CR in chunked framing"},
      {"2\r\nab\n0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"2\r\nab\r0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"2\r\nabc\r\n0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"0\r\nbad trailer\r\n\r\n", 400, "a malformed trailer field"},
      {"0\r\n folded: x\r\n\r\n", 400, "a malformed trailer field"},
      {"0\r\nX : y\r\n\r\n", 400, "a malformed trailer field"},
      {"0\r\nX: a\x01\r\n\r\n", 400, "a malformed trailer field"},
      {"0\r\n\n", 400, "a bare LF in chunked framing (CRLF is required)"},
  };
  for (const auto& c : cases) {
    for (std::size_t step : {std::string::npos, std::size_t{1}}) {
      CAPTURE(c.wire);
      CAPTURE(step);
      auto d = decode(c.wire, step);
      CHECK_FALSE(d.done);
      CHECK(d.status == c.status);
      CHECK(d.reason == c.reason);
    }
  }
}

TEST_CASE("chunked: limits on the body, a size line and the trailers") {
  CHECK(decode("400\r\n" + std::string(1024, 'a') + "\r\n0\r\n\r\n", std::string::npos, 1024).done);
  auto over = decode("400\r\n" + std::string(1024, 'a') + "\r\n1\r\n", std::string::npos, 1024);
  CHECK(over.status == 413);
  CHECK(decode("401\r\n", std::string::npos, 1024).status == 413);  // refused at the size, before any data
  CHECK(decode("2;" + std::string(2000, 'a') + "\r\n").reason == "a chunk size line is too long");
  CHECK(decode(std::string(2000, '0') + "\r\n").reason == "a chunk size line is too long");
  std::string trailers = "0\r\n";
  for (int i = 0; i < 1000; ++i) trailers += "X-" + std::to_string(i) + ": v\r\n";
  CHECK(decode(trailers + "\r\n").status == 431);
}

TEST_CASE("chunked: the extension grammar") {
  for (const char* good : {"", ";a", ";a=b", " ;a", "\t; a = b", ";a=\"\"", ";a=\"x y\\\\\";b", ";a;b=c;d=\"e\""})
    CHECK_MESSAGE(is_chunk_extension(good), good);
  for (const char* bad : {" ", "a", ";", ";a=", ";a b", ";a=\"", ";a=\"\\\"", ";a=b ", ";a;", "; ", ";a=b=c", ";(=b"})
    CHECK_MESSAGE(!is_chunk_extension(bad), bad);
}

}  // TEST_SUITE
