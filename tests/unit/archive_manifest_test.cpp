#include <doctest/doctest.h>

#include "archive/manifest.hpp"
#include "core/errors.hpp"

using namespace hfcache;
using namespace hfcache::archive;

namespace {

const std::string commit(40, 'c');
const std::string sha1(40, 'a');
const std::string sha256(64, 'b');

std::string manifest_json(const std::string& path = "config.json", const std::string& id = "hfl/rbt3",
                          const std::string& blob = std::string(40, 'a'), const std::string& ref_commit = std::string(40, 'c'),
                          int version = 1, const std::string& ref_name = "main") {
  return R"({"format_version": )" + std::to_string(version) + R"(, "tool": "t", "created": "x", "repos": [{"type": "model", "id": ")" +
         id + R"(", "refs": {")" + ref_name + R"(": ")" + ref_commit + R"("}, "revisions": {")" + commit +
         R"(": {"files": [{"path": ")" + path + R"(", "blob": ")" + blob + R"(", "size": 3, "sha256": ")" + sha256 +
         R"("}]}}}]})";
}

}  // namespace

TEST_SUITE("archive_manifest") {
  TEST_CASE("render then parse gives the same manifest") {
    Manifest m;
    m.tool = "hfcache 0.1.0";
    m.created = "2026-01-01T00:00:00Z";
    ManifestRepo r{{core::RepoType::dataset, "org/data"}, {{"main", commit}}, {}};
    r.revisions[commit] = {{"a/b.txt", sha1, 3, sha256, sha1}, {"w.safetensors", sha256, 9, sha256, std::nullopt}};
    m.repos.push_back(r);
    auto back = parse_manifest(render_manifest(m));
    REQUIRE(back.repos.size() == 1);
    CHECK(back.tool == m.tool);
    CHECK(back.repos[0].repo == r.repo);
    CHECK(back.repos[0].refs == r.refs);
    const auto& files = back.repos[0].revisions.at(commit);
    REQUIRE(files.size() == 2);
    CHECK(files[0].path == "a/b.txt");
    CHECK(files[0].blob_id == sha1);
    CHECK(files[1].blob == sha256);
    CHECK(!files[1].blob_id);
    CHECK(back.find(r.repo) != nullptr);
    CHECK(back.find({core::RepoType::model, "org/data"}) == nullptr);
  }

  TEST_CASE("a valid manifest parses") { CHECK(parse_manifest(manifest_json()).repos.size() == 1); }

  TEST_CASE("hostile or malformed manifests are refused as bad input") {
    CHECK_THROWS_AS(parse_manifest("{not json"), UsageError);
    CHECK_THROWS_AS(parse_manifest("[]"), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("../etc/passwd")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("/abs")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("a\\\\b")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("C:/x")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("a//b")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("config.json", "../../etc")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("config.json", "a--b/c")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("config.json", "hfl/rbt3", "../../blobs/x")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("config.json", "hfl/rbt3", std::string(40, 'A'))), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("config.json", "hfl/rbt3", sha1, std::string(40, 'd'))), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("config.json", "hfl/rbt3", sha1, commit, 1, "../x")), UsageError);
    CHECK_THROWS_AS(parse_manifest(manifest_json("config.json", "hfl/rbt3", sha1, commit, 0)), UsageError);
  }

  TEST_CASE("an LFS blob must be named by its sha256") {
    CHECK_THROWS_AS(parse_manifest(manifest_json("w.bin", "hfl/rbt3", std::string(64, 'e'))), UsageError);
    CHECK_NOTHROW(parse_manifest(manifest_json("w.bin", "hfl/rbt3", sha256)));
  }

  TEST_CASE("a newer format is refused with a hint to upgrade") {
    try {
      parse_manifest(manifest_json("config.json", "hfl/rbt3", sha1, commit, 2));
      FAIL("no throw");
    } catch (const UsageError& e) {
      CHECK(std::string(e.what()).find("newer") != std::string::npos);
    }
  }
}
