#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "hub/file_metadata.hpp"

using namespace hfcache;
using namespace hfcache::hub;

namespace {
const std::string commit = "dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7";
const std::string sha256 = "a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2";
const http::Url resolve = *http::parse_url("https://huggingface.co/google-bert/bert-base-uncased/resolve/main/tf_model.h5");
}  // namespace

TEST_SUITE("hub_file_metadata") {
  TEST_CASE("a regular file: 200 with ETag and Content-Length") {
    http::HttpResponse response{200,
                          {{"X-Repo-Commit", commit},
                           {"ETag", "\"9d8e76c6ed3e6eb5c5e7b8c1ae2ec6e5a2f2c5f5\""},
                           {"Content-Length", "570"}},
                          {}};
    auto meta = metadata_from_head(response, resolve);
    CHECK(meta.commit == commit);
    CHECK(meta.etag == "9d8e76c6ed3e6eb5c5e7b8c1ae2ec6e5a2f2c5f5");
    CHECK(meta.size == 570);
    CHECK(meta.location == resolve.str());
  }

  TEST_CASE("an LFS file: 302 with X-Linked-* and an absolute Location") {
    http::HttpResponse response{302,
                          {{"X-Repo-Commit", commit},
                           {"X-Linked-Etag", "\"" + sha256 + "\""},
                           {"ETag", "\"ignored\""},
                           {"X-Linked-Size", "536063208"},
                           {"Content-Length", "913"},
                           {"Location", "https://cas-bridge.xethub.hf.co/xet-bridge-us/abc?X-Amz-Signature=s"}},
                          {}};
    auto meta = metadata_from_head(response, resolve);
    CHECK(meta.etag == sha256);
    CHECK(meta.size == 536063208);
    CHECK(meta.location == "https://cas-bridge.xethub.hf.co/xet-bridge-us/abc?X-Amz-Signature=s");
  }

  TEST_CASE("a redirect's Content-Length is never the file size") {
    http::HttpResponse response{302,
                          {{"X-Repo-Commit", commit}, {"X-Linked-Etag", sha256}, {"Content-Length", "913"},
                           {"Location", "https://cdn/x"}},
                          {}};
    CHECK_THROWS_AS(metadata_from_head(response, resolve), hfcache::OfflineError);
  }

  TEST_CASE("missing or malformed headers: the endpoint is not the hub") {
    auto expect_not_hub = [](const http::HttpResponse& response, const char* detail) {
      try {
        metadata_from_head(response, resolve);
        FAIL("expected OfflineError");
      } catch (const hfcache::OfflineError& e) {
        std::string what = e.what();
        CHECK(what.find("does not answer like the Hugging Face Hub") != std::string::npos);
        CHECK(what.find(detail) != std::string::npos);
      }
    };
    expect_not_hub({200, {{"ETag", "\"x\""}, {"Content-Length", "1"}}, {}}, "X-Repo-Commit");
    expect_not_hub({200, {{"X-Repo-Commit", "main"}, {"ETag", "x"}, {"Content-Length", "1"}}, {}}, "40-hex");
    expect_not_hub({200, {{"X-Repo-Commit", commit}, {"Content-Length", "1"}}, {}}, "ETag");
    expect_not_hub({200, {{"X-Repo-Commit", commit}, {"ETag", "\"\""}, {"Content-Length", "1"}}, {}}, "ETag");
    expect_not_hub({200, {{"X-Repo-Commit", commit}, {"ETag", "../../x"}, {"Content-Length", "1"}}, {}}, "file name");
    expect_not_hub({200, {{"X-Repo-Commit", commit}, {"ETag", "x"}}, {}}, "Content-Length");
    expect_not_hub({200, {{"X-Repo-Commit", commit}, {"ETag", "x"}, {"Content-Length", "12a"}}, {}}, "size");
  }
}
