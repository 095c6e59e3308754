#include <doctest/doctest.h>

#include "http/link_header.hpp"

using namespace hfcache;
using namespace hfcache::http;

TEST_SUITE("hub_link_header") {
  TEST_CASE("a single next link") {
    auto value = R"(<https://huggingface.co/api/datasets/bigscience/P3/tree/main?recursive=1&cursor=abc>; rel="next")";
    auto entries = http::parse_link_header(value);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].url == "https://huggingface.co/api/datasets/bigscience/P3/tree/main?recursive=1&cursor=abc");
    CHECK(entries[0].rel == "next");
    CHECK(http::find_link(value, "next") == entries[0].url);
  }

  TEST_CASE("several entries, commas inside URLs and quoted values") {
    auto value = R"(<https://h/xet-read-token/abc>; rel="xet-auth", <https://cas/v1/reconstructions/f,g>; )"
                 R"(title="a, b"; rel="xet-reconstruction-info",</api/tree?cursor=2>;rel=next)";
    auto entries = http::parse_link_header(value);
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].rel == "xet-auth");
    CHECK(entries[1].url == "https://cas/v1/reconstructions/f,g");
    CHECK(entries[1].rel == "xet-reconstruction-info");
    CHECK(entries[2].url == "/api/tree?cursor=2");
    CHECK(entries[2].rel == "next");
    CHECK(http::find_link(value, "next") == "/api/tree?cursor=2");
    CHECK(http::find_link(value, "NEXT") == "/api/tree?cursor=2");
  }

  TEST_CASE("rel with several values, missing rel, garbage") {
    CHECK(http::find_link(R"(<https://h/p2>; rel="prev next")", "next") == "https://h/p2");
    CHECK_FALSE(http::find_link(R"(<https://h/p2>; title="next")", "next"));
    CHECK_FALSE(http::find_link("", "next"));
    CHECK_FALSE(http::find_link("garbage, more garbage", "next"));
    CHECK_FALSE(http::find_link("<https://h/unterminated; rel=next", "next"));
    CHECK(http::find_link(R"(junk, <https://h/ok>; rel="next")", "next") == "https://h/ok");
  }
}
