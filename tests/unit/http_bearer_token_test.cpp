#include <doctest/doctest.h>

#include "http/bearer_token.hpp"

using hfcache::http::bearer_token;

TEST_CASE("bearer_token: the token of a Bearer credential, the scheme in any case, spaces trimmed") {
  CHECK(bearer_token("Bearer hf_abc") == "hf_abc");
  CHECK(bearer_token("bearer hf_abc") == "hf_abc");
  CHECK(bearer_token("BEARER   hf_abc  ") == "hf_abc");
}

TEST_CASE("bearer_token: anything else is no bearer token") {
  CHECK(bearer_token("").empty());
  CHECK(bearer_token("Bearer ").empty());
  CHECK(bearer_token("Bearer    ").empty());
  CHECK(bearer_token("Basic dXNlcjpwYXNz").empty());
  CHECK(bearer_token("Bearerhf_abc").empty());
}
