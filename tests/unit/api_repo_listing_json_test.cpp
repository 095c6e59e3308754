// The /v1/repos JSON shapes: what hfcached writes, the CLI reads back unchanged.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "api/repo_listing_json.hpp"

using namespace hfcache;

namespace {

index::IndexedRepo sample() {
  index::IndexedRepo r;
  r.repo = {core::RepoType::dataset, "org/data"};
  r.refs = {{"main", std::string(40, 'a')}, {"refs/pr/1", std::string(40, 'b')}};
  r.size = 1234;
  r.blob_count = 3;
  r.last_access = 1700000000;
  r.last_modified = 1690000000;
  index::IndexedRevision v;
  v.commit = std::string(40, 'a');
  v.refs = {"main"};
  v.files = 2;
  v.size = 1000;
  v.last_access = 1700000000;
  v.last_modified = 1690000000;
  v.pinned = true;
  v.expected_files = 3;
  v.missing_files = 1;
  v.file_list = {{"a.json", std::string(40, 'c'), 10, true}, {"sub/b.bin", "", 0, false}};
  r.revisions.push_back(v);
  index::IndexedRevision w;
  w.commit = std::string(40, 'b');
  w.refs = {"refs/pr/1"};
  r.revisions.push_back(w);
  return r;
}

}  // namespace

TEST_SUITE("api_repo_listing_json") {
  TEST_CASE("the detail shape reads back field for field") {
    auto r = sample();
    auto back = api::repo_from_json(api::repo_detail_json(r));
    CHECK(back.repo == r.repo);
    CHECK(back.refs == r.refs);
    CHECK(back.size == r.size);
    CHECK(back.blob_count == r.blob_count);
    CHECK(back.last_access == r.last_access);
    CHECK(back.last_modified == r.last_modified);
    REQUIRE(back.revisions.size() == 2);
    const auto& v = back.revisions[0];
    CHECK(v.commit == r.revisions[0].commit);
    CHECK(v.refs == r.revisions[0].refs);
    CHECK(v.files == 2);
    CHECK(v.size == 1000);
    CHECK(v.pinned);
    CHECK(v.expected_files == std::optional<std::size_t>(3));
    CHECK(v.missing_files == 1);
    REQUIRE(v.file_list.size() == 2);
    CHECK(v.file_list[1].path == "sub/b.bin");
    CHECK_FALSE(v.file_list[1].ok);
    CHECK_FALSE(back.revisions[1].expected_files);
  }

  TEST_CASE("the summary shape counts revisions") {
    auto j = api::repo_summary_json(sample());
    CHECK(j["revisions"] == 2);
    CHECK(j["type"] == "dataset");
    auto back = api::repo_from_json(j);
    CHECK(back.revisions.size() == 2);
    CHECK(back.size == 1234);
  }

  TEST_CASE("an answer without type or id is an error, not an empty repo") {
    CHECK_THROWS(api::repo_from_json(nlohmann::json{{"id", "a/b"}}));
    CHECK_THROWS(api::repo_from_json(nlohmann::json{{"type", "model"}}));
  }
}
