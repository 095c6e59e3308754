#include <doctest/doctest.h>

#include "doctor/loader_files.hpp"

using namespace hfcache::doctor;

TEST_SUITE("doctor.loader_files") {
  TEST_CASE("weights are tried in transformers' order") {
    REQUIRE(weight_candidates().size() == 4);
    CHECK(weight_candidates().front() == "model.safetensors");
    CHECK(weight_candidates()[1] == "model.safetensors.index.json");
    CHECK(is_weight_index("pytorch_model.bin.index.json"));
    CHECK_FALSE(is_weight_index("pytorch_model.bin"));
  }

  TEST_CASE("tokenizer files are top-level names") {
    CHECK(is_tokenizer_file("tokenizer.json"));
    CHECK(is_tokenizer_file("vocab.txt"));
    CHECK(is_tokenizer_file("merges.txt"));
    CHECK_FALSE(is_tokenizer_file("sub/tokenizer.json"));
    CHECK_FALSE(is_tokenizer_file("config.json"));
  }

  TEST_CASE("the shards of an index, each once") {
    auto shards = shards_of_index(R"({"weight_map": {"a": "m-2.safetensors", "b": "m-1.safetensors", "c": "m-1.safetensors"}})");
    REQUIRE(shards);
    CHECK(*shards == std::vector<std::string>{"m-1.safetensors", "m-2.safetensors"});
    CHECK_FALSE(shards_of_index("not json"));
    CHECK_FALSE(shards_of_index(R"({"metadata": {}})"));
    CHECK_FALSE(shards_of_index(R"({"weight_map": {"a": "../../etc/passwd"}})"));
    CHECK_FALSE(shards_of_index(R"({"weight_map": {"a": 3}})"));
  }
}
