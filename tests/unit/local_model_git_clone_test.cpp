#include <doctest/doctest.h>

#include "local_model/git_clone.hpp"

using namespace hfcache;
using namespace hfcache::local_model;

TEST_SUITE("git_clone") {
  TEST_CASE("remote URLs of the hub name the repo and the endpoint") {
    struct Case {
      const char* url;
      core::RepoType type;
      const char* id;
      const char* endpoint;
    };
    for (auto c : {Case{"https://huggingface.co/hfl/rbt3", core::RepoType::model, "hfl/rbt3", "https://huggingface.co"},
                   Case{"https://huggingface.co/hfl/rbt3.git/", core::RepoType::model, "hfl/rbt3", "https://huggingface.co"},
                   Case{"https://hf.co/datasets/org/squad", core::RepoType::dataset, "org/squad", "https://hf.co"},
                   Case{"https://me:hf_secret@huggingface.co/spaces/org/demo", core::RepoType::space, "org/demo",
                        "https://huggingface.co"},
                   Case{"https://huggingface.co/models/hfl/rbt3", core::RepoType::model, "hfl/rbt3", "https://huggingface.co"},
                   Case{"https://huggingface.co/gpt2", core::RepoType::model, "gpt2", "https://huggingface.co"},
                   Case{"git@hf.co:hfl/rbt3", core::RepoType::model, "hfl/rbt3", "https://huggingface.co"},
                   Case{"ssh://git@hf.co/datasets/org/squad.git", core::RepoType::dataset, "org/squad", "https://huggingface.co"},
                   Case{"http://127.0.0.1:8080/hfl/rbt3", core::RepoType::model, "hfl/rbt3", "http://127.0.0.1:8080"}}) {
      CAPTURE(c.url);
      auto r = parse_hub_remote(c.url, {"127.0.0.1:8080"});
      REQUIRE(r);
      CHECK(r->repo.type == c.type);
      CHECK(r->repo.id == c.id);
      CHECK(r->endpoint == c.endpoint);
    }
  }

  TEST_CASE("other remotes name no hub repo") {
    for (const char* url : {"https://github.com/hfl/rbt3.git", "git@github.com:hfl/rbt3.git", "/srv/git/rbt3",
                            "file:///srv/git/rbt3", "https://huggingface.co/", "https://huggingface.co/a/b/c",
                            "https://huggingface.co/hfl/rb--t3", "http://127.0.0.1:9999/hfl/rbt3", ""}) {
      CAPTURE(url);
      CHECK_FALSE(parse_hub_remote(url, {"127.0.0.1:8080"}));
    }
  }

  TEST_CASE("credentials never reach a message") {
    CHECK(redact_url("https://me:hf_secret@huggingface.co/hfl/rbt3") == "https://huggingface.co/hfl/rbt3");
    CHECK(redact_url("https://huggingface.co/hfl/rbt3") == "https://huggingface.co/hfl/rbt3");
    CHECK(redact_url("git@hf.co:hfl/rbt3") == "git@hf.co:hfl/rbt3");
  }
}
