#include <doctest/doctest.h>

#include "http/url.hpp"

using namespace hfcache;
using namespace hfcache::http;

TEST_SUITE("hub_url") {
  TEST_CASE("quote_revision encodes everything but unreserved characters") {
    CHECK(http::quote_revision("main") == "main");
    CHECK(http::quote_revision("refs/pr/1") == "refs%2Fpr%2F1");
    CHECK(http::quote_revision("v1.0_rc-2~x") == "v1.0_rc-2~x");
    CHECK(http::quote_revision("a b") == "a%20b");
    CHECK(http::quote_revision("feature/é") == "feature%2F%C3%A9");
  }

  TEST_CASE("quote_path keeps slashes and encodes like Python quote") {
    CHECK(http::quote_path("config.json") == "config.json");
    CHECK(http::quote_path("docs/read me é.txt") == "docs/read%20me%20%C3%A9.txt");
    CHECK(http::quote_path("#") == "%23");
    CHECK(http::quote_path("?") == "%3F");
    CHECK(http::quote_path("a+b&c=d;e,f'g%h") == "a%2Bb%26c%3Dd%3Be%2Cf%27g%25h");
    CHECK(http::quote_path("日本/語.bin") == "%E6%97%A5%E6%9C%AC/%E8%AA%9E.bin");
  }

  TEST_CASE("percent_decode reverses http::percent_encode and keeps invalid escapes") {
    CHECK(http::percent_decode("refs%2Fpr%2F1") == "refs/pr/1");
    CHECK(http::percent_decode("%C3%a9") == "é");
    CHECK(http::percent_decode("100%") == "100%");
    CHECK(http::percent_decode("%zz%4") == "%zz%4");
  }

  TEST_CASE("parse_url splits scheme, host, port and target") {
    auto url = http::parse_url("https://HuggingFace.co/api/models/gpt2?x=1#frag");
    REQUIRE(url);
    CHECK(url->scheme == "https");
    CHECK(url->host == "huggingface.co");
    CHECK(url->port == 443);
    CHECK(url->target == "/api/models/gpt2?x=1");
    CHECK(url->path() == "/api/models/gpt2");
    CHECK(url->query() == "x=1");
    CHECK(url->str() == "https://huggingface.co/api/models/gpt2?x=1");
    CHECK(url->origin() == "https://huggingface.co:443");

    auto local = http::parse_url("http://127.0.0.1:8080");
    REQUIRE(local);
    CHECK(local->port == 8080);
    CHECK(local->target == "/");
    CHECK(local->authority() == "127.0.0.1:8080");

    auto v6 = http::parse_url("http://[::1]:9000/x");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 9000);
    CHECK(v6->str() == "http://[::1]:9000/x");

    auto query_only = http::parse_url("http://h?a=b");
    REQUIRE(query_only);
    CHECK(query_only->target == "/?a=b");
  }

  TEST_CASE("parse_url rejects what is not an absolute http(s) URL") {
    CHECK_FALSE(http::parse_url("ftp://host/x"));
    CHECK_FALSE(http::parse_url("/relative"));
    CHECK_FALSE(http::parse_url("https://"));
    CHECK_FALSE(http::parse_url("https://user:pw@host/"));
    CHECK_FALSE(http::parse_url("https://host:0/"));
    CHECK_FALSE(http::parse_url("https://host:99999/"));
    CHECK_FALSE(http::parse_url("https://host:12ab/"));
    CHECK_FALSE(http::parse_url("http://[::1/x"));
  }

  TEST_CASE("origins compare scheme, host and port") {
    auto a = *http::parse_url("https://huggingface.co/x");
    CHECK(http::same_origin(a, *http::parse_url("https://HUGGINGFACE.CO:443/y?z")));
    CHECK_FALSE(http::same_origin(a, *http::parse_url("http://huggingface.co/x")));
    CHECK_FALSE(http::same_origin(a, *http::parse_url("https://cdn-lfs.huggingface.co/x")));
    CHECK_FALSE(http::same_origin(a, *http::parse_url("https://huggingface.co:8443/x")));
  }

  TEST_CASE("resolve_location follows RFC 3986") {
    auto base = *http::parse_url("https://hub.example/a/b/c?q=1");
    CHECK(http::resolve_location(base, "https://cdn.example/blob?sig=x")->str() == "https://cdn.example/blob?sig=x");
    CHECK(http::resolve_location(base, "//cdn.example/blob")->str() == "https://cdn.example/blob");
    CHECK(http::resolve_location(base, "/new/path?p=2")->str() == "https://hub.example/new/path?p=2");
    CHECK(http::resolve_location(base, "d")->str() == "https://hub.example/a/b/d");
    CHECK(http::resolve_location(base, "../d")->str() == "https://hub.example/a/d");
    CHECK(http::resolve_location(base, "?cursor=2")->str() == "https://hub.example/a/b/c?cursor=2");
    CHECK(http::resolve_location(base, "/x/./y/../z")->str() == "https://hub.example/x/z");
    CHECK(http::resolve_location(base, "/sp ace/é")->str() == "https://hub.example/sp%20ace/%C3%A9");
    CHECK_FALSE(http::resolve_location(base, "ftp://elsewhere/x"));
  }

  TEST_CASE("relative redirects keep only the Location's path") {
    CHECK(http::is_relative_location("/new-org/model/resolve/main/config.json"));
    CHECK(http::is_relative_location("config.json"));
    CHECK_FALSE(http::is_relative_location("https://cdn-lfs.hf.co/x"));
    CHECK_FALSE(http::is_relative_location("//cdn-lfs.hf.co/x"));

    auto base = *http::parse_url("https://huggingface.co/old/model/resolve/main/config.json");
    auto moved = http::replace_path(base, "/new/model/resolve/main/config.json?ignored=1");
    CHECK(moved.str() == "https://huggingface.co/new/model/resolve/main/config.json");
    auto with_query = http::replace_path(*http::parse_url("https://h/a?keep=1"), "/b?drop=1");
    CHECK(with_query.str() == "https://h/b?keep=1");
  }

  TEST_CASE("redact_url hides the query string") {
    CHECK(http::redact_url("https://cdn/x?X-Amz-Signature=abc") == "https://cdn/x?<redacted>");
    CHECK(http::redact_url("https://hub/x") == "https://hub/x");
  }
}
