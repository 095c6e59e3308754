#include <doctest/doctest.h>

#include "core/cache_layout.hpp"
#include "core/errors.hpp"

using namespace hfcache;
using namespace hfcache::core;

TEST_SUITE("cache_layout") {
  TEST_CASE("link targets have one ../ per folder level plus two") {
    CHECK(snapshot_link_target("config.json", "abc") == "../../blobs/abc");
    CHECK(snapshot_link_target("onnx/model.onnx", "abc") == "../../../blobs/abc");
    CHECK(snapshot_link_target("a/b/c/deep.txt", "e") == "../../../../../blobs/e");
  }
  TEST_CASE("paths inside a repo folder") {
    CacheLayout l("/c");
    RepoRef r{RepoType::model, "hfl/rbt3"};
    CHECK(l.blob_path(r, "ab") == "/c/models--hfl--rbt3/blobs/ab");
    CHECK(l.incomplete_path(r, "ab") == "/c/models--hfl--rbt3/blobs/ab.incomplete");
    CHECK(l.ref_path(r, "refs/pr/1") == "/c/models--hfl--rbt3/refs/refs/pr/1");
    CHECK(l.snapshot_file(r, "c0", "onnx/m.onnx") == "/c/models--hfl--rbt3/snapshots/c0/onnx/m.onnx");
    CHECK(l.no_exist_path(r, "c0", "x.json") == "/c/models--hfl--rbt3/.no_exist/c0/x.json");
    CHECK(l.tree_cache_path(r, "c0") == "/c/models--hfl--rbt3/trees/c0.json");
    CHECK(l.lock_path(r, "ab") == "/c/.locks/models--hfl--rbt3/ab.lock");
    // The link target resolves to the blob from the link's folder.
    auto link = l.snapshot_file(r, "c0", "a/b.txt");
    CHECK((link.parent_path() / snapshot_link_target("a/b.txt", "ab")).lexically_normal() == l.blob_path(r, "ab"));
  }
  TEST_CASE("repo paths are validated") {
    CHECK_NOTHROW(validate_repo_path("config.json"));
    CHECK_NOTHROW(validate_repo_path("docs/read me \xc3\xa9.txt"));
    for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/", "a\\b", "C:x", ".", "a/./b"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(validate_repo_path(bad), UsageError);
    }
    CHECK_THROWS_AS(validate_repo_path(std::string("a\0b", 3)), UsageError);
  }
}
