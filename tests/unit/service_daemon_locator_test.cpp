#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "service/daemon_locator.hpp"

using namespace hfcache;

namespace {

// HF_TOKEN and HFCACHE_ADMIN_TOKEN for one test, the previous values restored afterwards.
class TokenEnv {
 public:
  TokenEnv(const char* hub, const char* admin) {
    for (const char* name : {"HF_TOKEN", "HFCACHE_ADMIN_TOKEN"}) {
      const char* value = std::getenv(name);
      saved_[name == std::string("HF_TOKEN") ? 0 : 1] = value ? std::optional<std::string>(value) : std::nullopt;
    }
    put("HF_TOKEN", hub);
    put("HFCACHE_ADMIN_TOKEN", admin);
  }
  ~TokenEnv() {
    put("HF_TOKEN", saved_[0] ? saved_[0]->c_str() : nullptr);
    put("HFCACHE_ADMIN_TOKEN", saved_[1] ? saved_[1]->c_str() : nullptr);
  }
  TokenEnv(const TokenEnv&) = delete;
  TokenEnv& operator=(const TokenEnv&) = delete;

 private:
  static void put(const char* name, const char* value) {
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  std::optional<std::string> saved_[2];
};

}  // namespace

TEST_CASE("the CLI sends the user's hub token to a loopback or https daemon only") {
  TokenEnv env("hf_user_token", nullptr);
  config::Settings settings;
  CHECK(service::bearer_for(settings, "127.0.0.1:8765") == "hf_user_token");
  CHECK(service::bearer_for(settings, "http://localhost:8765/") == "hf_user_token");
  CHECK(service::bearer_for(settings, "http://[::1]:8765") == "hf_user_token");
  CHECK(service::bearer_for(settings, "https://cache.lab.example:8443") == "hf_user_token");
  // Plain http over the network: the token would travel in clear text.
  CHECK(service::bearer_for(settings, "http://10.0.0.5:8765").empty());
  CHECK(service::bearer_for(settings, "cache.lab.example:8765").empty());
}

TEST_CASE("the admin token, when the CLI has one, is sent instead of the hub token") {
  TokenEnv env("hf_user_token", "the-admin-token");
  config::Settings settings;
  CHECK(service::bearer_for(settings, "127.0.0.1:8765") == "the-admin-token");
  CHECK(service::bearer_for(settings, "http://10.0.0.5:8765") == "the-admin-token");
}
