#include <doctest/doctest.h>

#include "archive/member_path.hpp"
#include "core/errors.hpp"

using namespace hfcache;
using namespace hfcache::archive;

TEST_SUITE("archive_member_path") {
  TEST_CASE("names are normalised: backslashes, ./ and trailing slashes") {
    CHECK(normalize_member_name("models--a--b\\blobs\\x") == "models--a--b/blobs/x");
    CHECK(normalize_member_name("./hub/models--a--b/") == "hub/models--a--b");
    CHECK(normalize_member_name("a//b/./c") == "a/b/c");
  }

  TEST_CASE("hostile names are refused") {
    for (const char* bad : {"../x", "a/../../x", "..\\x", "a\\..\\x", "/etc/passwd", "\\\\server\\share\\x",
                            "C:\\x", "c:/x", "a/C:/x", "a\x01" "b", ""}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(normalize_member_name(bad), UsageError);
    }
  }

  TEST_CASE("members are placed in their repo folder, whatever comes before it") {
    auto p = locate_member("hub/models--hfl--rbt3/blobs/abc");
    REQUIRE(p);
    CHECK(p->repo.id == "hfl/rbt3");
    CHECK(p->in_repo == "blobs/abc");
    auto d = locate_member("datasets--org--data/refs/main");
    REQUIRE(d);
    CHECK(d->repo.type == core::RepoType::dataset);
    CHECK(!locate_member("hfcache-manifest.json"));
    CHECK(!locate_member(".locks/models--hfl--rbt3/x.lock"));
    CHECK(!locate_member("CACHEDIR.TAG"));
  }

  TEST_CASE("link targets resolve into blobs/ or are refused") {
    const std::string etag(40, 'a');
    CHECK(link_target_blob("snapshots/c/config.json", "../../blobs/" + etag) == etag);
    CHECK(link_target_blob("snapshots/c/a/b.txt", "..\\..\\..\\blobs\\" + etag) == etag);
    CHECK(!link_target_blob("snapshots/c/x", "../../refs/main"));
    CHECK(!link_target_blob("snapshots/c/x", "../../blobs/not-an-etag"));
    CHECK_THROWS_AS(link_target_blob("snapshots/c/x", "../../../../etc/passwd"), UsageError);
    CHECK_THROWS_AS(link_target_blob("snapshots/c/x", "../../../models--o--r/blobs/" + etag), UsageError);
    CHECK_THROWS_AS(link_target_blob("snapshots/c/x", "/etc/passwd"), UsageError);
    CHECK_THROWS_AS(link_target_blob("snapshots/c/x", "C:\\Users\\x"), UsageError);
    CHECK_THROWS_AS(link_target_blob("snapshots/c/x", ""), UsageError);
  }

  TEST_CASE("text links are recognised") {
    const std::string etag(64, 'b');
    CHECK(text_link_target("../../blobs/" + etag + "\n") == "../../blobs/" + etag);
    CHECK(text_link_target("..\\..\\blobs\\" + etag) == "..\\..\\blobs\\" + etag);
    CHECK(!text_link_target("{\"a\": 1}"));
    CHECK(!text_link_target("../x/blobs/" + etag));
    CHECK(!text_link_target(std::string(600, '.')));
  }

  TEST_CASE("etag guess follows the hub's LFS defaults") {
    const std::string s256(64, 'b'), s1(40, 'a');
    CHECK(guess_etag("model.safetensors", 10, s256, s1) == s256);
    CHECK(guess_etag("onnx/model.onnx", 10, s256, s1) == s256);
    CHECK(guess_etag("config.json", 10, s256, s1) == s1);
    CHECK(guess_etag("big.txt", 20u << 20, s256, s1) == s256);
  }
}

TEST_SUITE("archive_member_path") {
  TEST_CASE("absolute links copied from Windows name a blob of their own repo, never anything else") {
    const std::string etag(64, 'a');
    const std::string folder = "models--hfl--rbt3";
    CHECK(link_target_blob("snapshots/c/x", "C:\\Users\\me\\.cache\\huggingface\\hub\\" + folder + "\\blobs\\" + etag, folder) == etag);
    CHECK(link_target_blob("snapshots/c/x", "\\\\nas\\share\\hub\\" + folder + "\\blobs\\" + etag, folder) == etag);
    CHECK(link_target_blob("snapshots/c/x", "/mnt/c/Users/me/hub/" + folder + "/blobs/" + etag, folder) == etag);
    CHECK_THROWS_AS(link_target_blob("snapshots/c/x", "/etc/passwd", folder), hfcache::UsageError);
    CHECK_THROWS_AS(link_target_blob("snapshots/c/x", "/x/models--other--repo/blobs/" + etag, folder), hfcache::UsageError);
    CHECK_THROWS_AS(link_target_blob("snapshots/c/x", "C:\\x\\" + folder + "\\blobs\\" + etag), hfcache::UsageError);
  }
}
