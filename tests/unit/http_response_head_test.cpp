// ResponseHeadReader: the response head lines libcurl hands the transport.
#include <doctest/doctest.h>

#include "http/response_head.hpp"

using hfcache::http::ResponseHeadReader;

TEST_SUITE("hub_response_head") {
  TEST_CASE("interim heads are dropped, folds join, odd lines are no fields, the blank line ends the head") {
    ResponseHeadReader reader;
    for (const char* line : {"HTTP/1.1 100 Continue\r\n", "X-Early: 1\r\n", "\r\n", "HTTP/1.1 302 Found\r\n",
                             "Location: /next\r\n", "X-Fold: a\r\n", "   b  \r\n", "\t\r\n", "no colon\r\n",
                             "Bad Name: v\r\n", ": empty\r\n"}) {
      CHECK_FALSE(reader.add_line(line));
    }
    CHECK(reader.add_line("\r\n"));
    CHECK(reader.status() == 302);
    auto headers = reader.take_headers();
    CHECK(headers.items().size() == 2);
    CHECK(headers.value_or("location") == "/next");
    CHECK(headers.value_or("X-Fold") == "a b");
    CHECK_FALSE(headers.has("X-Early"));
  }

  TEST_CASE("HTTP/2 status lines without a reason; an unreadable status is 0") {
    ResponseHeadReader reader;
    CHECK_FALSE(reader.add_line("HTTP/2 206"));
    CHECK_FALSE(reader.add_line("content-range: bytes 0-9/100"));
    CHECK(reader.add_line(""));
    CHECK(reader.status() == 206);
    CHECK(reader.take_headers().value_or("Content-Range") == "bytes 0-9/100");
    CHECK_FALSE(reader.add_line("HTTP/1.1 abc"));
    CHECK(reader.add_line("\n"));
    CHECK(reader.status() == 0);
  }
}
