#include <doctest/doctest.h>

#include <filesystem>

#include "core/lfs_rules.hpp"
#include "core/refs.hpp"
#include "mirror/cache_reader.hpp"
#include "mirror/mirror_error.hpp"
#include "support/temp_dir.hpp"
#include "util/hash.hpp"

using namespace hfcache;
using namespace hfcache::mirror;
using hfcache::test_support::TempDir;
using hfcache::test_support::write_file;
namespace fs = std::filesystem;

namespace {

const core::RepoRef repo{core::RepoType::model, "org/m"};
const std::string commit = "0123456789abcdef0123456789abcdef01234567";

struct Cache {
  TempDir tmp;
  core::CacheLayout layout{tmp.path / "hub"};
  std::string config_etag = util::git_blob_sha1_hex("{}");
  std::string weights_etag = util::sha256_hex("weights");

  Cache() {
    write_file(layout.blob_path(repo, config_etag), "{}");
    write_file(layout.blob_path(repo, weights_etag), "weights");
    fs::create_directories(layout.snapshot_dir(repo, commit) / "sub");
    fs::create_symlink("../../blobs/" + config_etag, layout.snapshot_file(repo, commit, "config.json"));
    fs::create_symlink("../../../blobs/" + weights_etag, layout.snapshot_file(repo, commit, "sub/model.safetensors"));
    core::write_ref(layout, repo, "main", commit);
    core::write_ref(layout, repo, "refs/pr/1", commit);
  }
};

}  // namespace

TEST_SUITE("mirror_cache_reader") {
  TEST_CASE("commits from refs/ and snapshots/ alone") {
    Cache c;
    CHECK(cached_commit(c.layout, repo, "main") == commit);
    CHECK(cached_commit(c.layout, repo, commit) == commit);
    CHECK(!cached_commit(c.layout, repo, "dev"));
    CHECK(!cached_commit(c.layout, repo, std::string(40, 'f')));
    auto refs = cached_refs(c.layout, repo);
    CHECK(refs.size() == 2);
    CHECK(refs["refs/pr/1"] == commit);
  }

  TEST_CASE("a snapshot file opens with its etag; a missing one is nullopt") {
    Cache c;
    auto f = open_snapshot_file(c.layout, repo, commit, "sub/model.safetensors", nullptr);
    REQUIRE(f);
    CHECK(f->etag == c.weights_etag);
    CHECK(f->size == 7);
    CHECK(!open_snapshot_file(c.layout, repo, commit, "nope.txt", nullptr));
    auto listing = listing_from_snapshot(c.layout, repo, commit);
    REQUIRE(listing.size() == 2);
    for (const auto& e : listing) {
      if (e.path == "sub/model.safetensors") {
        CHECK(e.lfs_sha256 == c.weights_etag);
        CHECK(e.blob_id == core::lfs_pointer_blob_id(c.weights_etag, 7));
      } else {
        CHECK(e.path == "config.json");
        CHECK(e.blob_id == c.config_etag);
      }
    }
  }

  TEST_CASE("a regular file copy (no-symlink cache) gets its etag by hashing") {
    Cache c;
    write_file(c.layout.snapshot_file(repo, commit, "copy.json"), "{}");
    auto f = open_snapshot_file(c.layout, repo, commit, "copy.json", nullptr);
    REQUIRE(f);
    CHECK(f->etag == c.config_etag);
  }

  TEST_CASE("entries that resolve outside the repo folder are refused, never opened") {
    Cache c;
    write_file(c.tmp.path / "secret.txt", "secret");
    fs::create_symlink(c.tmp.path / "secret.txt", c.layout.snapshot_file(repo, commit, "abs.txt"));
    fs::create_symlink("../../../../secret.txt", c.layout.snapshot_file(repo, commit, "rel.txt"));
    fs::create_directories(c.layout.repo_dir({core::RepoType::model, "org/other"}) / "blobs");
    write_file(c.layout.blob_path({core::RepoType::model, "org/other"}, c.config_etag), "{}");
    fs::create_symlink("../../../models--org--other/blobs/" + c.config_etag,
                       c.layout.snapshot_file(repo, commit, "other.json"));
    for (const char* name : {"abs.txt", "rel.txt", "other.json"}) {
      CAPTURE(name);
      try {
        open_snapshot_file(c.layout, repo, commit, name, nullptr);
        FAIL("served a file outside the repo folder");
      } catch (const MirrorError& e) {
        CHECK(e.status() == 403);
      }
    }
    CHECK(listing_from_snapshot(c.layout, repo, commit).size() == 2);
  }

  TEST_CASE("without hashing allowed, a copy with no listing is left to the caller") {
    Cache c;
    write_file(c.layout.snapshot_file(repo, commit, "copy.json"), "{}");
    CHECK(!open_snapshot_file(c.layout, repo, commit, "copy.json", nullptr, false));
    auto linked = open_snapshot_file(c.layout, repo, commit, "config.json", nullptr, false);
    REQUIRE(linked);
    CHECK(linked->etag == c.config_etag);
  }

  TEST_CASE("links the one-walk open cannot judge still get the full checks") {
    Cache c;
    // An absolute link into the repo's own blobs (a damaged but harmless form): served.
    fs::create_symlink(c.layout.blob_path(repo, c.config_etag), c.layout.snapshot_file(repo, commit, "abs-inside.json"));
    auto inside = open_snapshot_file(c.layout, repo, commit, "abs-inside.json", nullptr);
    REQUIRE(inside);
    CHECK(inside->etag == c.config_etag);
    // The shared blob store of newer huggingface_hub (docs/cache-layout.md "Shared blob store"): served.
    write_file(c.layout.root() / "blobs" / c.weights_etag, "weights");
    fs::create_symlink("../../../blobs/" + c.weights_etag, c.layout.snapshot_file(repo, commit, "shared.bin"));
    auto shared = open_snapshot_file(c.layout, repo, commit, "shared.bin", nullptr);
    REQUIRE(shared);
    CHECK(shared->etag == c.weights_etag);
    CHECK(shared->size == 7);
    // A snapshot folder that is itself a link out of the repo: refused like a file link.
    write_file(c.tmp.path / "elsewhere" / "x.txt", "secret");
    fs::create_directory_symlink(c.tmp.path / "elsewhere", c.layout.snapshot_dir(repo, commit) / "outdir");
    try {
      open_snapshot_file(c.layout, repo, commit, "outdir/x.txt", nullptr);
      FAIL("served a file through a folder link leaving the repo");
    } catch (const MirrorError& e) {
      CHECK(e.status() == 403);
    }
    // A dangling link is simply not cached.
    fs::create_symlink("../../blobs/" + std::string(40, 'a'), c.layout.snapshot_file(repo, commit, "dangling.json"));
    CHECK(!open_snapshot_file(c.layout, repo, commit, "dangling.json", nullptr));
  }
}
