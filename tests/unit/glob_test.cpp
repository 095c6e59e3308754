#include <doctest/doctest.h>

#include "util/glob.hpp"

using hfcache::util::glob_filter;
using hfcache::util::glob_match;

TEST_SUITE("glob") {
  TEST_CASE("fnmatchcase semantics") {
    CHECK(glob_match("*.json", "config.json"));
    CHECK(glob_match("*.json", "sub/dir/config.json"));  // '*' crosses '/', as in Python
    CHECK_FALSE(glob_match("*.json", "config.JSON"));    // case-sensitive
    CHECK(glob_match("model-?????" "-of-?????" ".safetensors", "model-00001-of-00002.safetensors"));  // split: no trigraph
    CHECK(glob_match("[abc]*", "b.txt"));
    CHECK_FALSE(glob_match("[!abc]*", "b.txt"));
    CHECK(glob_match("[a-c].txt", "b.txt"));
    CHECK(glob_match("[", "["));
    CHECK(glob_match("", ""));
    CHECK_FALSE(glob_match("", "a"));
    CHECK(glob_match("**", "a/b/c"));
    CHECK(glob_match("onnx/*", "onnx/model.onnx"));
  }
  TEST_CASE("include and exclude like filter_repo_objects") {
    CHECK(glob_filter("a.bin", {}, {}));
    CHECK(glob_filter("config.json", {"*.json"}, {}));
    CHECK_FALSE(glob_filter("model.bin", {"*.json"}, {}));
    CHECK_FALSE(glob_filter("x.json", {"*.json"}, {"x*"}));
    CHECK(glob_filter("onnx/model.onnx", {"onnx/"}, {}));  // a folder pattern matches below it
  }
}

TEST_SUITE("glob") {
  TEST_CASE("'?' and classes take code points, as Python's fnmatch does") {
    CHECK(glob_match("?.txt", "\xc3\xa9.txt"));
    CHECK(glob_match("docs/read me ?.txt", "docs/read me \xc3\xa9.txt"));
    CHECK(glob_match("[\xc3\xa9]", "\xc3\xa9"));
    CHECK_FALSE(glob_match("??.txt", "\xc3\xa9.txt"));
  }
}
