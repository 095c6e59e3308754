// hfcached's command line, listen address and admin check: pure functions, no daemon started.
#include <doctest/doctest.h>

#include <cstdlib>

#include "admin_auth.hpp"
#include "config/settings.hpp"
#include "core/errors.hpp"
#include "daemon_context.hpp"
#include "daemon_options.hpp"
#include "listen_address.hpp"

using namespace hfcache;
using namespace hfcache::server;

TEST_SUITE("server_listen_address") {
  TEST_CASE("IPv4, IPv6 and names; loopback told apart") {
    auto a = parse_listen_address("127.0.0.1:8765");
    CHECK(a.host == "127.0.0.1");
    CHECK(a.port == 8765);
    CHECK(a.loopback);
    CHECK(a.text() == "127.0.0.1:8765");
    auto b = parse_listen_address("[::1]:9000");
    CHECK(b.host == "::1");
    CHECK(b.loopback);
    CHECK(b.text() == "[::1]:9000");
    CHECK(parse_listen_address("localhost:1").loopback);
    CHECK(parse_listen_address("127.8.9.10:1").loopback);
    CHECK_FALSE(parse_listen_address("0.0.0.0:8765").loopback);
    CHECK_FALSE(parse_listen_address("[::]:8765").loopback);
    CHECK_FALSE(parse_listen_address("10.0.0.5:80").loopback);
    CHECK_FALSE(parse_listen_address("127example.com:80").loopback);
  }

  TEST_CASE("bad addresses are usage errors") {
    for (const char* bad : {"8765", ":8765", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x", "::1:80",
                            "[::1:80", "[]:80"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(parse_listen_address(bad), UsageError);
    }
  }
}

TEST_SUITE("server_daemon_options") {
  TEST_CASE("flags become settings keys; --config names the file") {
    auto o = parse_daemon_options({"--config", "/etc/x.json", "--listen=0.0.0.0:1", "--cache-dir", "/c", "--offline",
                                   "--endpoint", "http://e", "--token-file", "/t", "--log-level", "debug"});
    CHECK(o.config_file == "/etc/x.json");
    CHECK(o.flags.at("listen") == "0.0.0.0:1");
    CHECK(o.flags.at("cache_dir") == "/c");
    CHECK(o.flags.at("offline") == "1");
    CHECK(o.flags.at("endpoint") == "http://e");
    CHECK(o.flags.at("token_file") == "/t");
    CHECK(o.flags.at("log_level") == "debug");
    CHECK_FALSE(o.help);
  }

  TEST_CASE("--endpoint repeated is the tier list, in order; the settings read it as the chain") {
    auto o = parse_daemon_options({"--endpoint", "http://site-a:8765", "--endpoint=http://site-b:8765/"});
    CHECK(o.flags.at("endpoint") == R"(["http://site-a:8765","http://site-b:8765/"])");
    auto s = config::load_settings(o.flags, std::nullopt);
    CHECK(s.endpoints == std::vector<std::string>{"http://site-a:8765", "http://site-b:8765"});
    CHECK(s.endpoint == "http://site-a:8765");
    CHECK(config::load_settings({{"endpoint", "https://hub.example/"}}, std::nullopt).endpoints ==
          std::vector<std::string>{"https://hub.example"});
    CHECK_THROWS_AS(config::load_settings({{"endpoint", R"(["http://a", "http://a"])"}}, std::nullopt), UsageError);
    CHECK_THROWS_AS(config::load_settings({{"endpoint", "[]"}}, std::nullopt), UsageError);
    CHECK_THROWS_AS(config::load_settings({{"endpoint", R"(["http://a", 5])"}}, std::nullopt), UsageError);
    CHECK_THROWS_AS(config::load_settings({{"prefetch", R"(["not a repo@@"])"}}, std::nullopt), UsageError);
    setenv("HF_ENDPOINT", R"(["http://a", "http://b"])", 1);
    CHECK_THROWS_AS(config::load_settings({}, std::nullopt), UsageError);
    setenv("HF_ENDPOINT", "http://one:1/", 1);
    CHECK(config::load_settings({}, std::nullopt).endpoints == std::vector<std::string>{"http://one:1"});
    unsetenv("HF_ENDPOINT");
    CHECK(config::load_settings({{"prefetch", R"(["hfl/rbt3@main", "datasets/org/x"])"}}, std::nullopt).prefetch.size() ==
          2);
  }

  TEST_CASE("--help, --version, unknown flags and missing values") {
    CHECK(parse_daemon_options({"--help"}).help);
    CHECK(parse_daemon_options({"--version"}).version);
    CHECK_THROWS_AS(parse_daemon_options({"--colour"}), UsageError);
    CHECK_THROWS_AS(parse_daemon_options({"--listen"}), UsageError);
    CHECK_THROWS_AS(parse_daemon_options({"stray"}), UsageError);
  }
}

TEST_SUITE("server_admin_auth") {
  TEST_CASE("which calls are admin calls") {
    CHECK(is_admin_call("POST", "/v1/pulls"));
    CHECK(is_admin_call("POST", "/v1/gc"));
    CHECK(is_admin_call("POST", "/v1/repair"));
    CHECK(is_admin_call("POST", "/v1/pins"));
    CHECK(is_admin_call("POST", "/v1/reindex"));
    CHECK(is_admin_call("DELETE", "/v1/pins"));
    CHECK(is_admin_call("DELETE", "/v1/repos/models/a/b"));
    CHECK_FALSE(is_admin_call("POST", "/v1/verify"));
    CHECK_FALSE(is_admin_call("GET", "/v1/repos"));
    CHECK_FALSE(is_admin_call("GET", "/metrics"));
    CHECK_FALSE(is_admin_call("HEAD", "/hfl/rbt3/resolve/main/config.json"));
  }

  TEST_CASE("token configured: only the right bearer token passes") {
    Runtime r;
    r.admin_token = "tok-123";
    r.loopback_only = true;
    CHECK(check_admin(r, "Bearer tok-123") == AdminDecision::allowed);
    CHECK(check_admin(r, "Bearer  tok-123 ") == AdminDecision::allowed);
    CHECK(check_admin(r, "") == AdminDecision::missing_token);
    CHECK(check_admin(r, "Bearer tok-12") == AdminDecision::wrong_token);
    CHECK(check_admin(r, "Bearer tok-1234") == AdminDecision::wrong_token);
    CHECK(check_admin(r, "Basic tok-123") == AdminDecision::wrong_token);
    CHECK(check_admin(r, "Bearer ") == AdminDecision::wrong_token);
    r.loopback_only = false;
    CHECK(check_admin(r, "Bearer tok-123") == AdminDecision::allowed);
  }

  TEST_CASE("no token: loopback allows, anything else refuses") {
    Runtime r;
    r.loopback_only = true;
    CHECK(check_admin(r, "") == AdminDecision::allowed);
    r.loopback_only = false;
    CHECK(check_admin(r, "") == AdminDecision::no_token_configured);
    CHECK(check_admin(r, "Bearer anything") == AdminDecision::no_token_configured);
  }

  TEST_CASE("web pages and DNS rebinding cannot drive admin calls") {
    Runtime r;
    r.loopback_only = true;
    // The CLI, curl and Python send no Origin and a loopback Host.
    CHECK_FALSE(looks_cross_site(r, "127.0.0.1:8765", "", ""));
    CHECK_FALSE(looks_cross_site(r, "localhost:8765", "", ""));
    CHECK_FALSE(looks_cross_site(r, "[::1]:8765", "", ""));
    CHECK_FALSE(looks_cross_site(r, "127.0.0.1:8765", "http://127.0.0.1:8765", "same-origin"));
    // A page elsewhere POSTing a "simple" request, or a rebinding name resolving to 127.0.0.1.
    CHECK(looks_cross_site(r, "127.0.0.1:8765", "https://evil.example", ""));
    CHECK(looks_cross_site(r, "127.0.0.1:8765", "null", ""));
    CHECK(looks_cross_site(r, "127.0.0.1:8765", "", "cross-site"));
    CHECK(looks_cross_site(r, "evil.example:8765", "http://evil.example:8765", ""));
    CHECK(looks_cross_site(r, "evil.example:8765", "", ""));
    // Off loopback the Host is the server's public name; the token guards the calls.
    r.loopback_only = false;
    CHECK_FALSE(looks_cross_site(r, "gpu-box.lan:8765", "", ""));
    CHECK(looks_cross_site(r, "gpu-box.lan:8765", "http://other.lan", ""));
  }

  TEST_CASE("constant_time_equal") {
    CHECK(constant_time_equal("abc", "abc"));
    CHECK(constant_time_equal("", ""));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "abcd"));
    CHECK_FALSE(constant_time_equal("", "a"));
  }
}
