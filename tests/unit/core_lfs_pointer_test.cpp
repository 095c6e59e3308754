#include <doctest/doctest.h>

#include <string>

#include "core/lfs_pointer.hpp"

using namespace hfcache::core;

namespace {
const std::string oid = "4e7c0ee7b3a56a2e7d5b8f1b0c8a0f9b1e2d3c4b5a69788796a5b4c3d2e1f0a9";
std::string pointer_text(const std::string& extra = "") {
  return "version https://git-lfs.github.com/spec/v1\n" + extra + "oid sha256:" + oid + "\nsize 404976\n";
}
}  // namespace

TEST_SUITE("lfs_pointer") {
  TEST_CASE("the pointer git-lfs writes is read") {
    auto p = parse_lfs_pointer(pointer_text());
    REQUIRE(p);
    CHECK(p->sha256 == oid);
    CHECK(p->size == 404976);
  }

  TEST_CASE("extension keys sorted before oid, a missing last newline, the hawser version") {
    CHECK(parse_lfs_pointer(pointer_text("ext-0-foo sha256:" + oid + "\n")));
    auto text = pointer_text();
    text.pop_back();
    CHECK(parse_lfs_pointer(text));
    CHECK(parse_lfs_pointer("version https://hawser.github.com/spec/v1\noid sha256:" + oid + "\nsize 1\n"));
  }

  TEST_CASE("anything else is no pointer") {
    CHECK_FALSE(parse_lfs_pointer(""));
    CHECK_FALSE(parse_lfs_pointer("{\"architectures\": [\"BertModel\"]}\n"));
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v2\noid sha256:" + oid + "\nsize 1\n"));
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\nsize 1\noid sha256:" + oid + "\n"));  // unsorted
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\n"));  // no size
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid sha256:" + oid.substr(1) + "\nsize 1\n"));
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(64, 'A') + "\nsize 1\n"));
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid md5:" + oid + "\nsize 1\n"));
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize -1\n"));
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize 99999999999999999999999\n"));
    CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\r\noid sha256:" + oid + "\r\nsize 1\r\n"));
    CHECK_FALSE(parse_lfs_pointer(pointer_text() + std::string(1100, 'x')));  // bigger than any pointer
  }

  TEST_CASE("the explanation says what the file is and how to get it") {
    auto text = lfs_pointer_explanation("model.safetensors", *parse_lfs_pointer(pointer_text()));
    CHECK(text.find("model.safetensors is a Git LFS pointer file") != std::string::npos);
    CHECK(text.find("git lfs pull") != std::string::npos);
    CHECK(text.find(oid) != std::string::npos);
  }
}
