#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "hub/hub_json.hpp"

using namespace hfcache::hub;

TEST_SUITE("hub_json") {
  TEST_CASE("revision sha") {
    CHECK(parse_revision_sha(R"({"id":"gpt2","sha":"607a30d783dfa663caf39e06633721c8d4cfcd7e","siblings":[]})", "u") ==
          "607a30d783dfa663caf39e06633721c8d4cfcd7e");
    CHECK_THROWS_AS(parse_revision_sha(R"({"id":"gpt2"})", "u"), hfcache::OfflineError);
    CHECK_THROWS_AS(parse_revision_sha(R"({"sha":"main"})", "u"), hfcache::OfflineError);
    CHECK_THROWS_AS(parse_revision_sha("<html>captive portal</html>", "u"), hfcache::OfflineError);
    CHECK_THROWS_AS(parse_revision_sha("[]", "u"), hfcache::OfflineError);
  }

  TEST_CASE("tree page: files kept, directories skipped, LFS sha256, xetHash ignored") {
    auto body = R"([
      {"type":"directory","oid":"1111111111111111111111111111111111111111","path":"sub"},
      {"type":"file","oid":"2222222222222222222222222222222222222222","size":570,"path":"config.json"},
      {"type":"file","oid":"3333333333333333333333333333333333333333","size":536063208,"path":"sub/tf_model.h5",
       "lfs":{"oid":"a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2","size":536063208,
              "pointerSize":134},
       "xetHash":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
      {"type":"file","oid":"4444444444444444444444444444444444444444","size":0,"path":"empty"}
    ])";
    auto files = parse_tree_page(body, "u");
    REQUIRE(files.size() == 3);
    CHECK(files[0].path == "config.json");
    CHECK(files[0].size == 570);
    CHECK_FALSE(files[0].lfs_sha256);
    CHECK(files[0].etag() == "2222222222222222222222222222222222222222");
    CHECK(files[1].path == "sub/tf_model.h5");
    CHECK(files[1].lfs_sha256 == "a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2");
    CHECK(files[1].etag() == *files[1].lfs_sha256);
    CHECK(files[2].size == 0);
  }

  TEST_CASE("malformed tree pages") {
    CHECK(parse_tree_page("[]", "u").empty());
    CHECK_THROWS_AS(parse_tree_page("{}", "u"), hfcache::OfflineError);
    CHECK_THROWS_AS(parse_tree_page("not json", "u"), hfcache::OfflineError);
    CHECK_THROWS_AS(parse_tree_page(R"([{"type":"file","oid":"x","path":"a"}])", "u"), hfcache::OfflineError);
    CHECK_THROWS_AS(parse_tree_page(R"([{"type":"file","oid":"x","size":-1,"path":"a"}])", "u"),
                    hfcache::OfflineError);
    CHECK_THROWS_AS(parse_tree_page(R"([{"type":"file","size":1,"path":"a"}])", "u"), hfcache::OfflineError);
    CHECK_THROWS_AS(parse_tree_page(R"([{"type":"file","oid":"x","size":1,"path":"a","lfs":{}}])", "u"),
                    hfcache::OfflineError);
  }

  TEST_CASE("refs answers: every list, items without a commit skipped") {
    auto refs = parse_refs(R"({"branches":[{"name":"main","ref":"refs/heads/main","targetCommit":"607a30d783dfa663caf39e06633721c8d4cfcd7e"}],
      "converts":[],"tags":[{"name":"v1.0","ref":"refs/tags/v1.0","targetCommit":"1111111111111111111111111111111111111111"},
      {"name":"bad","ref":"refs/tags/bad","targetCommit":"nope"}],
      "pullRequests":[{"name":"refs/pr/1","ref":"refs/pr/1","targetCommit":"2222222222222222222222222222222222222222"}]})",
                           "u");
    REQUIRE(refs.branches.size() == 1);
    CHECK(refs.branches[0].ref == "refs/heads/main");
    REQUIRE(refs.tags.size() == 1);
    CHECK(refs.tags[0].name == "v1.0");
    CHECK(refs.pull_requests.size() == 1);
    CHECK(parse_refs("{}", "u").branches.empty());
    CHECK_THROWS_AS(parse_refs("[]", "u"), hfcache::OfflineError);
  }
}
