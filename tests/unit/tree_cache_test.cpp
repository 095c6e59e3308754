#include <doctest/doctest.h>

#include "core/tree_cache.hpp"

using namespace hfcache::core;

TEST_SUITE("tree_cache") {
  TEST_CASE("renders byte for byte what Python json.dump(indent=1) writes") {
    // Expected strings produced by Python 3.11: json.dumps(data, indent=1) with sorted files.
    std::vector<TreeEntry> entries = {
        {"b/x.txt", 3, std::string(40, 'a'), std::nullopt},
        {"docs/read me \xc3\xa9\xf0\x9f\x98\x80\x7f\"q.txt", 0, std::string(40, 'd'), std::nullopt},
        {"a.safetensors", 10, std::string(40, 'b'), std::string(64, 'c')},
    };
    std::string expected =
        "{\n \"format_version\": 1,\n \"files\": {\n  \"a.safetensors\": {\n   \"size\": 10,\n   \"blob_id\": "
        "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\n   \"lfs_sha256\": "
        "\"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\",\n   \"lfs_size\": 10\n  },\n  "
        "\"b/x.txt\": {\n   \"size\": 3,\n   \"blob_id\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n  },\n  "
        "\"docs/read me \\u00e9\\ud83d\\ude00\\u007f\\\"q.txt\": {\n   \"size\": 0,\n   \"blob_id\": "
        "\"dddddddddddddddddddddddddddddddddddddddd\"\n  }\n }\n}";
    CHECK(render_tree_cache(entries) == expected);
    CHECK(render_tree_cache({}) == "{\n \"format_version\": 1,\n \"files\": {}\n}");
  }
}
