#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "util/fs.hpp"
#include "util/hash.hpp"

using namespace hfcache::util;

TEST_SUITE("hash") {
  TEST_CASE("known digests") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // `git hash-object` of empty and "hello\n".
    CHECK(git_blob_sha1_hex("") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    CHECK(git_blob_sha1_hex("hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a");
  }
  TEST_CASE("etag hasher picks the algorithm from the etag length") {
    EtagHasher lfs("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 3);
    lfs.update("ab", 2);
    lfs.update("c", 1);
    CHECK(lfs.matches());
    EtagHasher git("ce013625030ba8dba906f756967f9e9ca394464a", 6);
    git.update("hello\n", 6);
    CHECK(git.matches());
    EtagHasher wrong("ce013625030ba8dba906f756967f9e9ca394464a", 6);
    wrong.update("hellO\n", 6);
    CHECK_FALSE(wrong.matches());
  }
  TEST_CASE("hash_file computes both in one read") {
    auto p = std::filesystem::temp_directory_path() / ("hfcache-hash-" + random_hex(6));
    std::ofstream(p) << "hello\n";
    auto h = hash_file(p.string());
    CHECK(h.size == 6);
    CHECK(h.git_sha1 == "ce013625030ba8dba906f756967f9e9ca394464a");
    CHECK(h.sha256 == sha256_hex("hello\n"));
    std::filesystem::remove(p);
  }
}
