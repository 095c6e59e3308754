#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "mirror/route.hpp"

using namespace hfcache;
using namespace hfcache::mirror;

TEST_SUITE("mirror_route") {
  TEST_CASE("resolve URLs of models, datasets, spaces and legacy ids") {
    auto r = parse_route("/hfl/rbt3/resolve/main/config.json");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::resolve);
    CHECK(r->repo == core::RepoRef{core::RepoType::model, "hfl/rbt3"});
    CHECK(*r->revision == "main");
    CHECK(r->path == "config.json");

    r = parse_route("/datasets/org/squad-mini/resolve/v1.0/data/train.parquet");
    REQUIRE(r);
    CHECK(r->repo == core::RepoRef{core::RepoType::dataset, "org/squad-mini"});
    CHECK(*r->revision == "v1.0");
    CHECK(r->path == "data/train.parquet");

    r = parse_route("/spaces/org/demo-space/resolve/main/app.py");
    REQUIRE(r);
    CHECK(r->repo.type == core::RepoType::space);

    r = parse_route("/gpt2-tiny/resolve/main/config.json");
    REQUIRE(r);
    CHECK(r->repo == core::RepoRef{core::RepoType::model, "gpt2-tiny"});
    CHECK(r->path == "config.json");
  }

  TEST_CASE("revisions and paths raw or percent-encoded") {
    auto r = parse_route("/hfl/rbt3/resolve/refs%2Fpr%2F1/docs/read%20me%20%C3%A9.txt");
    REQUIRE(r);
    CHECK(*r->revision == "refs/pr/1");
    CHECK(r->path == "docs/read me \xc3\xa9.txt");
    r = parse_route("/hfl/rbt3/resolve/refs/pr/1/config.json");
    REQUIRE(r);
    CHECK(*r->revision == "refs/pr/1");
    CHECK(r->path == "config.json");
    r = parse_route("/hfl/rbt3/resolve/main/docs/notes%20%231.txt");
    REQUIRE(r);
    CHECK(r->path == "docs/notes #1.txt");
    r = parse_route("/api/models/hfl/rbt3/tree/main/a%2Fb");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::tree);
    CHECK(r->path == "a/b");
    r = parse_route("/api/models/hfl/rbt3/tree/refs/convert/parquet/data");
    REQUIRE(r);
    CHECK(*r->revision == "refs/convert/parquet");
    CHECK(r->path == "data");
  }

  TEST_CASE("api endpoints") {
    auto r = parse_route("/api/models/hfl/rbt3");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::repo_info);
    CHECK(!r->revision);
    r = parse_route("/api/models/hfl/rbt3/revision/main");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::repo_info);
    CHECK(*r->revision == "main");
    r = parse_route("/api/datasets/org/squad-mini/revision/refs%2Fconvert%2Fparquet");
    REQUIRE(r);
    CHECK(r->repo.type == core::RepoType::dataset);
    CHECK(*r->revision == "refs/convert/parquet");
    r = parse_route("/api/models/gpt2-tiny");
    REQUIRE(r);
    CHECK(r->repo.id == "gpt2-tiny");
    r = parse_route("/api/models/gpt2-tiny/revision/main");
    REQUIRE(r);
    CHECK(r->repo.id == "gpt2-tiny");
    CHECK(*r->revision == "main");
    r = parse_route("/api/models/gpt2-tiny/refs");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::refs);
    CHECK(r->repo.id == "gpt2-tiny");
    r = parse_route("/api/models/hfl/rbt3/refs");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::refs);
    r = parse_route("/api/models/org/gated-model/auth-check");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::auth_check);
    CHECK(r->repo.id == "org/gated-model");
    r = parse_route("/api/datasets/gpt2-tiny/auth-check");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::auth_check);
    CHECK(r->repo.id == "gpt2-tiny");
    CHECK_FALSE(parse_route("/api/models/org/gated-model/auth-check/extra"));
    r = parse_route("/api/models/hfl/rbt3/paths-info/main");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::paths_info);
    r = parse_route("/api/spaces/org/demo-space/tree/main");
    REQUIRE(r);
    CHECK(r->endpoint == Endpoint::tree);
    CHECK(r->path.empty());
    r = parse_route("/api/models/hfl/rbt3/tree/HEAD/");
    REQUIRE(r);
    CHECK(*r->revision == "HEAD");
    CHECK(r->path.empty());
  }

  TEST_CASE("not a hub route") {
    CHECK(!parse_route("/"));
    CHECK(!parse_route("/favicon.ico"));
    CHECK(!parse_route("/hfl/rbt3/blob/main/config.json"));
    CHECK(!parse_route("/hfl/rbt3/resolve/main"));
    CHECK(!parse_route("/api/whoami-v2"));
    CHECK(!parse_route("/api/models/hfl/rbt3/unknown/x/y"));
    CHECK(!parse_route("//rbt3/resolve/main/x"));
  }

  TEST_CASE("every traversal attempt is refused") {
    for (const char* path : {"/hfl/rbt3/resolve/main/../../../etc/passwd", "/hfl/rbt3/resolve/main/%2e%2e/x",
                             "/hfl/rbt3/resolve/main/a/%2E%2E/%2e%2E/x", "/hfl/rbt3/resolve/main/a%2F..%2F..%2Fx",
                             "/hfl/rbt3/resolve/main/a%5C..%5Cx", "/hfl/rbt3/resolve/main/x%00.txt",
                             "/hfl/rbt3/resolve/main//etc/passwd", "/hfl/rbt3/resolve/main/%2Fetc%2Fpasswd",
                             "/hfl/rbt3/resolve/main/./x", "/hfl/rbt3/resolve/..%2F..%2Fx/config.json",
                             "/hfl%2F..%2F..%2Fetc/rbt3/resolve/main/x", "/hfl/..%2Frbt3/resolve/main/x",
                             "/../rbt3/resolve/main/x", "/api/models/hfl/rbt3/tree/main/%2e%2e",
                             "/api/models/hfl%2Frbt3/tree/main", "/hfl/rbt3/resolve/ma%0Ain/x",
                             "/hfl/rbt3/resolve/main/C:%5Cwindows"}) {
      CAPTURE(path);
      CHECK_THROWS_AS(parse_route(path), UsageError);
    }
  }
}
