#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "core/repo_id.hpp"
#include "core/revision.hpp"

using namespace hfcache;
using namespace hfcache::core;

TEST_SUITE("repo_id") {
  TEST_CASE("valid ids follow the hub's rules") {
    CHECK(is_valid_repo_id("hfl/rbt3"));
    CHECK(is_valid_repo_id("gpt2"));
    CHECK(is_valid_repo_id("google-bert/bert-base-uncased"));
    CHECK(is_valid_repo_id("a.b_c-d/e.f"));
    CHECK(is_valid_repo_id(std::string(96, 'x')));
    CHECK_FALSE(is_valid_repo_id(std::string(97, 'x')));
    CHECK_FALSE(is_valid_repo_id(""));
    CHECK_FALSE(is_valid_repo_id("a/b/c"));
    CHECK_FALSE(is_valid_repo_id("../x"));
    CHECK_FALSE(is_valid_repo_id("a--b/c"));
    CHECK_FALSE(is_valid_repo_id("a/b..c"));
    CHECK_FALSE(is_valid_repo_id("org/name.git"));
    CHECK_FALSE(is_valid_repo_id("org/na me"));
    CHECK_FALSE(is_valid_repo_id("org/-name"));
    CHECK_FALSE(is_valid_repo_id("org/name-"));
    CHECK_FALSE(is_valid_repo_id("/name"));
    CHECK_FALSE(is_valid_repo_id("org/"));
    CHECK_FALSE(is_valid_repo_id("org/na\x01me"));
    CHECK_FALSE(is_valid_repo_id("org/n\xc3\xa9"));
  }

  TEST_CASE("every form users type") {
    auto p = parse_repo_arg("hfl/rbt3");
    CHECK(p.repo.type == RepoType::model);
    CHECK(p.repo.id == "hfl/rbt3");
    CHECK_FALSE(p.revision);
    CHECK(parse_repo_arg("gpt2").repo.id == "gpt2");
    auto d = parse_repo_arg("datasets/org/squad");
    CHECK(d.repo.type == RepoType::dataset);
    CHECK(d.repo.id == "org/squad");
    CHECK(parse_repo_arg("spaces/org/demo").repo.type == RepoType::space);
    CHECK(parse_repo_arg("org/squad", RepoType::dataset).repo.type == RepoType::dataset);
    auto u = parse_repo_arg("https://huggingface.co/hfl/rbt3");
    CHECK(u.repo.id == "hfl/rbt3");
    auto t = parse_repo_arg("https://huggingface.co/datasets/org/squad/tree/v1.0");
    CHECK(t.repo.type == RepoType::dataset);
    CHECK(t.repo.id == "org/squad");
    CHECK(*t.revision == "v1.0");
    CHECK(*parse_repo_arg("https://huggingface.co/hfl/rbt3/tree/refs%2Fpr%2F1").revision == "refs/pr/1");
    CHECK(*parse_repo_arg("https://huggingface.co/hfl/rbt3/tree/main/").revision == "main");
    auto at = parse_repo_arg("hfl/rbt3@v1.0", std::nullopt, true);
    CHECK(at.repo.id == "hfl/rbt3");
    CHECK(*at.revision == "v1.0");
  }

  TEST_CASE("bad ids are usage errors") {
    for (const char* bad : {"", "../x", "a/b/c", "a//b", "/a", "a/", "a b/c", "datasets/", "org/x--y", "a/b@main"}) {
      CAPTURE(bad);
      try {
        parse_repo_arg(bad);
        FAIL("accepted");
      } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
      }
    }
    CHECK_THROWS_AS(parse_repo_arg("datasets/org/x", RepoType::model), UsageError);
    CHECK_THROWS_AS(parse_repo_arg("hfl/rbt3@", std::nullopt, true), UsageError);
  }

  TEST_CASE("folder names round trip") {
    CHECK(RepoRef{RepoType::model, "hfl/rbt3"}.folder_name() == "models--hfl--rbt3");
    CHECK(RepoRef{RepoType::dataset, "org/squad"}.folder_name() == "datasets--org--squad");
    CHECK(RepoRef{RepoType::model, "gpt2"}.folder_name() == "models--gpt2");
    auto r = repo_from_folder_name("spaces--org--demo");
    REQUIRE(r);
    CHECK(r->type == RepoType::space);
    CHECK(r->id == "org/demo");
    CHECK_FALSE(repo_from_folder_name("kernels--a--b"));
    CHECK_FALSE(repo_from_folder_name(".locks"));
    CHECK_FALSE(repo_from_folder_name("models--a--b--c"));
  }
}

TEST_SUITE("revision") {
  TEST_CASE("accepted revisions") {
    CHECK_NOTHROW(validate_revision("main"));
    CHECK_NOTHROW(validate_revision("v1.0"));
    CHECK_NOTHROW(validate_revision("refs/pr/1"));
    CHECK_NOTHROW(validate_revision("feature/x"));
    CHECK_NOTHROW(validate_revision("refs/convert/parquet"));
    CHECK_NOTHROW(validate_revision(std::string(40, 'a')));
    CHECK(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
    CHECK_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
    CHECK_FALSE(is_commit_hash("0123456"));
  }
  TEST_CASE("refused revisions") {
    for (const char* bad : {"", "..", "a/../b", "../main", "/main", "main/", "a//b", "ma in", "a\\b", "a:b", "x.lock",
                            ".hidden", "refs/pr/x", "refs/pr/", "-x", "a@{1}", "tab\there"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(validate_revision(bad), UsageError);
    }
    CHECK_THROWS_AS(validate_revision(std::string(256, 'a')), UsageError);
  }
}
