#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "mirror/api_json.hpp"
#include "mirror/repo_listing.hpp"

using namespace hfcache;
using namespace hfcache::mirror;

namespace {

RepoListing sample() {
  return RepoListing({
      {"config.json", 10, std::string(40, 'a'), std::nullopt},
      {"a/b/c/deep.txt", 3, std::string(40, 'b'), std::nullopt},
      {"onnx/model.onnx", 1000, std::string(40, 'c'), std::string(64, 'd')},
      {"a/top.txt", 1, std::string(40, 'e'), std::nullopt},
      {"../evil", 1, std::string(40, 'f'), std::nullopt},
  });
}

std::vector<std::string> paths(const std::vector<ListingItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back((i.is_folder() ? "d:" : "f:") + i.path);
  return out;
}

}  // namespace

TEST_SUITE("mirror_repo_listing") {
  TEST_CASE("folders are derived; invalid paths are left out") {
    auto l = sample();
    CHECK(l.files().size() == 4);
    CHECK(l.find("../evil") == nullptr);
    CHECK(l.find("config.json")->size == 10);
    CHECK(l.is_folder(""));
    CHECK(l.is_folder("a/b"));
    CHECK(!l.is_folder("config.json"));
    CHECK(!l.is_folder("nope"));
  }

  TEST_CASE("children, recursive or not, sorted by path") {
    auto l = sample();
    CHECK(paths(*l.children("", false)) == std::vector<std::string>{"d:a", "f:config.json", "d:onnx"});
    CHECK(paths(*l.children("a", false)) == std::vector<std::string>{"d:a/b", "f:a/top.txt"});
    CHECK(paths(*l.children("", true)) == std::vector<std::string>{"d:a", "d:a/b", "d:a/b/c", "f:a/b/c/deep.txt",
                                                                  "f:a/top.txt", "f:config.json", "d:onnx",
                                                                  "f:onnx/model.onnx"});
    CHECK(!l.children("config.json", false));
    CHECK(!l.children("missing", true));
  }

  TEST_CASE("paths-info lookup keeps the order given, drops unknown paths") {
    auto l = sample();
    CHECK(paths(l.lookup({"onnx/model.onnx", "nope", "a", "config.json", "a"})) ==
          std::vector<std::string>{"f:onnx/model.onnx", "d:a", "f:config.json"});
  }

  TEST_CASE("pages and cursors") {
    auto p = page_at(2500, "", 1000);
    CHECK(p.begin == 0);
    CHECK(p.end == 1000);
    REQUIRE(p.next_cursor);
    p = page_at(2500, *p.next_cursor, 1000);
    CHECK(p.begin == 1000);
    p = page_at(2500, *p.next_cursor, 1000);
    CHECK(p.begin == 2000);
    CHECK(p.end == 2500);
    CHECK(!p.next_cursor);
    CHECK(!page_at(0, "", 50).next_cursor);
    CHECK_THROWS_AS(page_at(10, "zz", 5), UsageError);
    CHECK_THROWS_AS(page_at(10, "p11", 5), UsageError);
    CHECK_THROWS_AS(page_at(10, "p-1", 5), UsageError);
  }

  TEST_CASE("tree and sibling JSON, without xetHash") {
    auto l = sample();
    RevisionFacts facts{std::string(40, '1'), "2024-02-19T11:06:12.000Z"};
    auto lfs = tree_item_json({"onnx/model.onnx", l.find("onnx/model.onnx")}, facts, false);
    CHECK(lfs["type"] == "file");
    CHECK(lfs["oid"] == std::string(40, 'c'));
    CHECK(lfs["size"] == 1000);
    CHECK(lfs["lfs"]["oid"] == std::string(64, 'd'));
    CHECK(lfs["lfs"]["pointerSize"] == 129);
    CHECK(!lfs.contains("xetHash"));
    CHECK(!lfs.contains("lastCommit"));
    auto expanded = tree_item_json({"config.json", l.find("config.json")}, facts, true);
    CHECK(expanded["lastCommit"]["id"] == facts.commit);
    auto folder = tree_item_json({"a", nullptr}, facts, false);
    CHECK(folder["type"] == "directory");
    CHECK(folder["oid"].get<std::string>().size() == 40);

    auto info = repo_info_json({core::RepoType::model, "hfl/rbt3"}, facts, l, true);
    CHECK(info["sha"] == facts.commit);
    CHECK(info["id"] == "hfl/rbt3");
    CHECK(info["modelId"] == "hfl/rbt3");
    CHECK(info["_id"].get<std::string>().size() == 24);
    CHECK(info["siblings"].size() == 4);
    bool found = false;
    for (const auto& s : info["siblings"]) {
      if (s["rfilename"] == "onnx/model.onnx") {
        found = true;
        CHECK(s["lfs"]["sha256"] == std::string(64, 'd'));
        CHECK(s["lfs"]["size"] == 1000);
        CHECK(s["blobId"] == std::string(40, 'c'));
      }
    }
    CHECK(found);
    auto plain = repo_info_json({core::RepoType::dataset, "org/d"}, facts, l, false);
    CHECK(!plain.contains("modelId"));
    CHECK(!plain["siblings"][0].contains("size"));
  }

  TEST_CASE("LFS pointer sizes match the hub's recorded values") {
    CHECK(lfs_pointer_size(22) == 127);          // docs/hub-protocol.md "Recorded values"
    CHECK(lfs_pointer_size(536063208) == 134);   // same: huggingface.js specs
    CHECK(lfs_pointer_size(548123560) == 134);   // same: other shapes
  }

  TEST_CASE("refs from the cache, in the hub's shape") {
    auto refs = refs_from_cache({{"main", std::string(40, 'a')}, {"refs/pr/1", std::string(40, 'b')},
                                 {"refs/convert/parquet", std::string(40, 'c')}, {"v1.0", std::string(40, 'd')}},
                                {"v1.0"});
    auto j = refs_json(refs, true);
    REQUIRE(j["branches"].size() == 1);
    CHECK(j["branches"][0]["ref"] == "refs/heads/main");
    CHECK(j["branches"][0]["targetCommit"] == std::string(40, 'a'));
    CHECK(j["tags"][0] == nlohmann::json{{"name", "v1.0"}, {"ref", "refs/tags/v1.0"}, {"targetCommit", std::string(40, 'd')}});
    CHECK(j["pullRequests"][0]["name"] == "refs/pr/1");  // the hub names PRs by their full ref
    CHECK(j["converts"][0]["name"] == "parquet");
    CHECK(!refs_json(refs_from_cache({}, {}), false).contains("pullRequests"));
    // Without upstream's word, a tag is indistinguishable from a branch.
    CHECK(refs_json(refs_from_cache({{"v1.0", std::string(40, 'd')}}, {}), false)["branches"].size() == 1);
  }
}
