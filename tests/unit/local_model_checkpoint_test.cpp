#include <doctest/doctest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>

#include "local_model/local_import.hpp"
#include "util/fs.hpp"
#include "support/temp_dir.hpp"

using namespace hfcache;
using namespace hfcache::local_model;
namespace fs = std::filesystem;

namespace {
using hfcache::test_support::TempDir;
void write(const fs::path& p, const std::string& content) { hfcache::test_support::write_file(p, content); }
bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

const char* trainer_state = R"({
  "best_metric": 0.8125,
  "best_model_checkpoint": "out/checkpoint-400",
  "epoch": 1.5,
  "eval_steps": 200,
  "global_step": 600,
  "is_hyper_param_search": false,
  "log_history": [{"epoch": 0.5, "grad_norm": 1.2, "learning_rate": 4e-05, "loss": 0.6931, "step": 200}],
  "max_steps": 1200,
  "total_flos": 12345.0,
  "trial_name": null
})";
}  // namespace

TEST_SUITE("local_model_checkpoint") {
  TEST_CASE("a model folder is no checkpoint") {
    TempDir t;
    write(t.path / "config.json", "{}");
    write(t.path / "model.safetensors", "x");
    CHECK_FALSE(checkpoint_info(t.path));
  }

  TEST_CASE("a complete checkpoint: every file present, state parsed") {
    TempDir t;
    for (const char* name : {"config.json", "model.safetensors", "optimizer.pt", "scheduler.pt", "rng_state.pth",
                             "training_args.bin"})
      write(t.path / name, "x");
    write(t.path / "trainer_state.json", trainer_state);
    auto info = checkpoint_info(t.path);
    REQUIRE(info);
    CHECK(info->missing.empty());
    for (const char* name : {"optimizer.pt", "scheduler.pt", "rng_state.pth", "trainer_state.json", "training_args.bin",
                             "model.safetensors"})
      CHECK(has(info->present, name));
    CHECK(info->global_step == 600);
    CHECK(info->epoch == doctest::Approx(1.5));
    CHECK(info->best_metric == doctest::Approx(0.8125));
    CHECK(info->best_model_checkpoint == "out/checkpoint-400");
    CHECK(info->trainer_state_error.empty());
  }

  TEST_CASE("missing files and weights are named; null fields stay empty") {
    TempDir t;
    write(t.path / "optimizer.pt", "x");
    write(t.path / "trainer_state.json", R"({"global_step": 10, "epoch": 1, "best_metric": null, "best_model_checkpoint": null})");
    auto info = checkpoint_info(t.path);
    REQUIRE(info);
    CHECK(has(info->missing, "scheduler.pt"));
    CHECK(has(info->missing, "rng_state.pth"));
    CHECK(has(info->missing, "training_args.bin"));
    CHECK(has(info->missing, std::string(missing_weights)));
    CHECK(info->global_step == 10);
    CHECK(info->epoch == doctest::Approx(1.0));
    CHECK_FALSE(info->best_metric);
    CHECK_FALSE(info->best_model_checkpoint);
  }

  TEST_CASE("optimizer.pt alone makes a checkpoint, without trainer state") {
    TempDir t;
    write(t.path / "optimizer.pt", "x");
    auto info = checkpoint_info(t.path);
    REQUIRE(info);
    CHECK(has(info->missing, "trainer_state.json"));
    CHECK_FALSE(info->global_step);
    CHECK(info->trainer_state_error.empty());
  }

  TEST_CASE("malformed trainer_state.json: reported, not thrown") {
    TempDir t;
    write(t.path / "trainer_state.json", "{\"global_step\": 12, ");
    auto info = checkpoint_info(t.path);
    REQUIRE(info);
    CHECK_FALSE(info->global_step);
    CHECK_FALSE(info->trainer_state_error.empty());
    write(t.path / "trainer_state.json", "[1, 2]");
    CHECK_FALSE(checkpoint_info(t.path)->trainer_state_error.empty());
  }

  TEST_CASE("wrong types are ignored; Python's NaN and Infinity are tolerated") {
    TempDir t;
    write(t.path / "trainer_state.json",
          R"({"global_step": "600", "epoch": 2.0, "best_metric": NaN, "best_model_checkpoint": 5,
              "log_history": [{"loss": NaN, "note": "NaN in a string", "grad_norm": Infinity, "x": -Infinity}]})");
    auto info = checkpoint_info(t.path);
    REQUIRE(info);
    CHECK(info->trainer_state_error.empty());
    CHECK_FALSE(info->global_step);
    CHECK(info->epoch == doctest::Approx(2.0));
    CHECK_FALSE(info->best_metric);
    CHECK_FALSE(info->best_model_checkpoint);
  }

  TEST_CASE("sharded weights: the index and its shards, missing shards named; per-rank rng states") {
    TempDir t;
    write(t.path / "trainer_state.json", "{}");
    write(t.path / "model.safetensors.index.json",
          R"({"metadata": {"total_size": 8}, "weight_map": {"a": "model-00001-of-00002.safetensors",
              "b": "model-00002-of-00002.safetensors", "c": "../escape.safetensors"}})");
    write(t.path / "model-00001-of-00002.safetensors", "x");
    write(t.path / "rng_state_0.pth", "x");
    write(t.path / "rng_state_1.pth", "x");
    auto info = checkpoint_info(t.path);
    REQUIRE(info);
    CHECK(has(info->present, "model.safetensors.index.json"));
    CHECK(has(info->present, "model-00001-of-00002.safetensors"));
    CHECK(has(info->missing, "model-00002-of-00002.safetensors"));
    CHECK_FALSE(has(info->missing, std::string(missing_weights)));
    CHECK_FALSE(has(info->missing, "../escape.safetensors"));
    CHECK(has(info->present, "rng_state_0.pth"));
    CHECK(has(info->present, "rng_state_1.pth"));
    CHECK_FALSE(has(info->missing, "rng_state.pth"));
  }

  TEST_CASE("a broken link counts as missing") {
    TempDir t;
    write(t.path / "trainer_state.json", "{}");
    fs::create_symlink("../../blobs/gone", t.path / "optimizer.pt");
    auto info = checkpoint_info(t.path);
    REQUIRE(info);
    CHECK(has(info->missing, "optimizer.pt"));
  }
}
