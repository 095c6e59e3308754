#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "mirror/paths_info_body.hpp"
#include "mirror/ref_memo.hpp"

using namespace hfcache;
using namespace hfcache::mirror;

TEST_SUITE("mirror_paths_info_body") {
  TEST_CASE("form-encoded, as huggingface_hub sends it") {
    auto r = parse_paths_info_body("application/x-www-form-urlencoded",
                                   "paths=config.json&paths=docs%2Fread+me+%C3%A9.txt&expand=true");
    CHECK(r.paths == std::vector<std::string>{"config.json", "docs/read me \xc3\xa9.txt"});
    CHECK(r.expand);
  }
  TEST_CASE("JSON, as huggingface.js and hf-hub send it") {
    auto r = parse_paths_info_body("application/json", R"({"paths": ["a.txt", "b/c.txt"], "expand": false})");
    CHECK(r.paths == std::vector<std::string>{"a.txt", "b/c.txt"});
    CHECK(!r.expand);
    CHECK(parse_paths_info_body("", R"({"paths": "one"})").paths == std::vector<std::string>{"one"});
    CHECK_THROWS_AS(parse_paths_info_body("application/json", "[1]"), UsageError);
    CHECK_THROWS_AS(parse_paths_info_body("application/json", R"({"paths": [1]})"), UsageError);
  }
}

TEST_SUITE("mirror_ref_memo") {
  TEST_CASE("answers within the time to live only") {
    RefMemo memo(std::chrono::seconds(20));
    auto t0 = RefMemo::Clock::now();
    CHECK(!memo.get("k", t0));
    memo.put("k", "abc", t0);
    CHECK(memo.get("k", t0 + std::chrono::seconds(19)) == "abc");
    CHECK(!memo.get("k", t0 + std::chrono::seconds(21)));
  }
}
