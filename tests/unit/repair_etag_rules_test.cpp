#include <doctest/doctest.h>

#include <set>

#include "repair/etag_rules.hpp"

using namespace hfcache::repair;

namespace {
ContentHashes content(std::uint64_t size = 100) {
  return {std::string(64, 'c'), std::string(40, 'd'), size};
}
}  // namespace

TEST_SUITE("repair_etag_rules") {
  TEST_CASE("LFS by the hub's rules: size or suffix") {
    CHECK(hfcache::core::stored_in_lfs("model.safetensors", 10));
    CHECK(hfcache::core::stored_in_lfs("pytorch_model.bin", 10));
    CHECK_FALSE(hfcache::core::stored_in_lfs("pytorch_model.BIN", 10));  // git matches attributes case-sensitively
    CHECK(hfcache::core::stored_in_lfs("onnx/model.onnx", 10));
    CHECK(hfcache::core::stored_in_lfs("data/train.parquet", 10));
    CHECK(hfcache::core::stored_in_lfs("x.tar.gz", 10));
    CHECK(hfcache::core::stored_in_lfs("events.out.tfevents.123.host", 10));
    CHECK(hfcache::core::stored_in_lfs("saved_model/variables/variables.index", 10));
    CHECK(hfcache::core::stored_in_lfs("notes.txt", 10ull << 20));
    CHECK_FALSE(hfcache::core::stored_in_lfs("notes.txt", (10ull << 20) - 1));
    CHECK_FALSE(hfcache::core::stored_in_lfs("config.json", 500));
    CHECK_FALSE(hfcache::core::stored_in_lfs("bin/readme.md", 500));
  }

  TEST_CASE("the listing wins when the content matches it") {
    auto c = content();
    auto by_sha256 = choose_etag(c, "config.json", c.sha256, nullptr);
    REQUIRE(by_sha256);
    CHECK(by_sha256->etag == c.sha256);
    CHECK(by_sha256->source == EtagSource::listing);
    auto by_sha1 = choose_etag(c, "model.safetensors", c.git_sha1, nullptr);
    REQUIRE(by_sha1);
    CHECK(by_sha1->etag == c.git_sha1);
  }

  TEST_CASE("content contradicting the listing has no etag") {
    CHECK_FALSE(choose_etag(content(), "config.json", std::string(40, 'e'), nullptr));
  }

  TEST_CASE("a hash the repo already knows is reused") {
    auto c = content();
    std::set<std::string> known = {c.sha256};
    auto choice = choose_etag(c, "config.json", std::nullopt, [&](const std::string& e) { return known.contains(e); });
    REQUIRE(choice);
    CHECK(choice->etag == c.sha256);  // a .json is not LFS, but that blob already exists
    CHECK(choice->source == EtagSource::known_blob);
  }

  TEST_CASE("without a listing: sha256 for LFS files, git sha1 for the others") {
    auto c = content();
    auto none = [](const std::string&) { return false; };
    CHECK(choose_etag(c, "model.safetensors", std::nullopt, none)->etag == c.sha256);
    CHECK(choose_etag(c, "model.safetensors", std::nullopt, none)->source == EtagSource::lfs_rule);
    CHECK(choose_etag(c, "config.json", std::nullopt, none)->etag == c.git_sha1);
    CHECK(choose_etag(c, "config.json", std::nullopt, none)->source == EtagSource::git_rule);
    CHECK(choose_etag(content(20ull << 20), "big.txt", std::nullopt, none)->etag == c.sha256);
  }
}
