#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "hub/proxy.hpp"

using namespace hfcache::hub;

namespace {
Url url(const char* text) { return *parse_url(text); }
}  // namespace

TEST_SUITE("hub_proxy") {
  TEST_CASE("parse_proxy_url") {
    auto plain = parse_proxy_url("http://proxy.corp:3128");
    CHECK(plain.host == "proxy.corp");
    CHECK(plain.port == 3128);
    CHECK(plain.username.empty());

    auto bare = parse_proxy_url("proxy.corp");
    CHECK(bare.host == "proxy.corp");
    CHECK(bare.port == 1080);

    auto auth = parse_proxy_url("http://us%40er:p%3Ass@10.0.0.1:8080/");
    CHECK(auth.host == "10.0.0.1");
    CHECK(auth.username == "us@er");
    CHECK(auth.password == "p:ss");
    CHECK(auth.display() == "10.0.0.1:8080");

    auto v6 = parse_proxy_url("http://[fd00::1]:3128");
    CHECK(v6.host == "fd00::1");
    CHECK(v6.display() == "[fd00::1]:3128");

    CHECK_THROWS_AS(parse_proxy_url("socks5://h:1080"), hfcache::UsageError);
    CHECK_THROWS_AS(parse_proxy_url("https://h:443"), hfcache::UsageError);
    CHECK_THROWS_AS(parse_proxy_url("http://h:notaport"), hfcache::UsageError);
    CHECK_THROWS_AS(parse_proxy_url("http://:80"), hfcache::UsageError);
  }

  TEST_CASE("a malformed proxy does not leak its password in the message") {
    try {
      parse_proxy_url("http://user:secretpw@:bad");
      FAIL("expected UsageError");
    } catch (const hfcache::UsageError& e) {
      CHECK(std::string(e.what()).find("secretpw") == std::string::npos);
    }
  }

  TEST_CASE("select_proxy picks by scheme, falls back to all_proxy") {
    ProxyConfig config{"http://s:1", "http://p:2", "", ""};
    CHECK(select_proxy(config, url("https://huggingface.co/x"))->host == "s");
    CHECK(select_proxy(config, url("http://mirror.local/x"))->host == "p");
    ProxyConfig only_all{"", "", "http://all:3", ""};
    CHECK(select_proxy(only_all, url("https://huggingface.co/"))->host == "all");
    CHECK(select_proxy(only_all, url("http://h/"))->port == 3);
    CHECK_FALSE(select_proxy(ProxyConfig{}, url("https://huggingface.co/")));
    ProxyConfig https_only{"http://s:1", "", "", ""};
    CHECK_FALSE(select_proxy(https_only, url("http://mirror/")));
  }

  TEST_CASE("NO_PROXY domain matching like curl") {
    CHECK(bypasses_proxy("*", "anything.example", 443));
    CHECK(bypasses_proxy("huggingface.co", "huggingface.co", 443));
    CHECK(bypasses_proxy("huggingface.co", "cdn-lfs.huggingface.co", 443));
    CHECK(bypasses_proxy(".huggingface.co", "huggingface.co", 443));
    CHECK(bypasses_proxy(".huggingface.co", "cdn-lfs.huggingface.co", 443));
    CHECK(bypasses_proxy("HuggingFace.CO", "huggingface.co", 443));
    CHECK_FALSE(bypasses_proxy("huggingface.co", "nothuggingface.co", 443));
    CHECK_FALSE(bypasses_proxy("huggingface.co", "huggingface.com", 443));
    CHECK(bypasses_proxy("example.com, huggingface.co", "huggingface.co", 443));
    CHECK(bypasses_proxy("example.com huggingface.co", "huggingface.co", 443));
    CHECK(bypasses_proxy(" ,, huggingface.co ,", "huggingface.co", 443));
    CHECK_FALSE(bypasses_proxy("", "huggingface.co", 443));
    CHECK_FALSE(bypasses_proxy("*.huggingface.co", "cdn.huggingface.co", 443));  // curl has no globs
  }

  TEST_CASE("NO_PROXY with ports, addresses and CIDR") {
    CHECK(bypasses_proxy("mirror.local:8080", "mirror.local", 8080));
    CHECK_FALSE(bypasses_proxy("mirror.local:8080", "mirror.local", 443));
    CHECK(bypasses_proxy("localhost", "localhost", 80));
    CHECK_FALSE(bypasses_proxy("localhost", "127.0.0.1", 80));  // matched literally, no lookups
    CHECK(bypasses_proxy("127.0.0.1", "127.0.0.1", 80));
    CHECK_FALSE(bypasses_proxy("127.0.0.1", "127.0.0.2", 80));
    CHECK(bypasses_proxy("10.0.0.0/8", "10.20.30.40", 80));
    CHECK_FALSE(bypasses_proxy("10.0.0.0/8", "11.0.0.1", 80));
    CHECK(bypasses_proxy("192.168.1.0/24", "192.168.1.7", 80));
    CHECK(bypasses_proxy("::1", "::1", 80));
    CHECK(bypasses_proxy("[::1]", "[::1]", 80));
    CHECK(bypasses_proxy("[::1]:8080", "::1", 8080));
    CHECK_FALSE(bypasses_proxy("[::1]:8080", "::1", 80));
    CHECK(bypasses_proxy("fd00::/8", "fd12:3456::1", 443));
    CHECK_FALSE(bypasses_proxy("fd00::/8", "10.0.0.1", 443));
    CHECK_FALSE(bypasses_proxy("10.0.0.0/8", "ten.example", 443));
  }

  TEST_CASE("select_proxy honours no_proxy") {
    ProxyConfig config{"http://s:1", "http://p:2", "", "localhost,127.0.0.1,.internal"};
    CHECK_FALSE(select_proxy(config, url("http://127.0.0.1:8080/x")));
    CHECK_FALSE(select_proxy(config, url("https://hub.internal/x")));
    CHECK(select_proxy(config, url("https://huggingface.co/x")));
  }
}
