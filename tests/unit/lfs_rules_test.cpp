#include <doctest/doctest.h>

#include <algorithm>

#include "core/tree_cache.hpp"
#include "core/lfs_rules.hpp"
#include "local_model/local_import.hpp"
#include "local_model/model_files.hpp"
#include "util/hash.hpp"

using namespace hfcache;
using namespace hfcache::core;
using namespace hfcache::local_model;

TEST_SUITE("lfs_rules") {
  TEST_CASE("default .gitattributes suffixes go to LFS, at any depth") {
    for (const char* path : {"model.safetensors", "pytorch_model.bin", "optimizer.pt", "rng_state.pth", "tf_model.h5",
                             "flax_model.msgpack", "onnx/model.onnx", "spiece.model", "data.parquet", "x.tar.gz",
                             "x.tar", "a.npz", "a.npy", "w.ckpt", "m.tflite", "z.zst", "f.7z", "p.pkl", "p.pickle",
                             "m.joblib", "m.ot", "g.pb", "m.mlmodel", "f.ftz", "a.arrow", "b.bz2", "c.rar", "d.tgz",
                             "e.wasm", "f.xz", "g.zip", "weights.lfs.data", "runs/events.out.tfevents.1700.host",
                             "training_args.bin"}) {
      CAPTURE(path);
      CHECK(stored_in_lfs(path, 10));
    }
  }

  TEST_CASE("text files stay in git unless they reach 10 MiB") {
    for (const char* path : {"config.json", "tokenizer.json", "vocab.txt", "README.md", "merges.txt",
                             "model.safetensors.index.json", "trainer_state.json", ".gitattributes", "binx",
                             "MODEL.BIN", "model.safetensors.txt"}) {
      CAPTURE(path);
      CHECK_FALSE(stored_in_lfs(path, 100));
    }
    CHECK_FALSE(stored_in_lfs("tokenizer.json", lfs_size_threshold - 1));
    CHECK(stored_in_lfs("tokenizer.json", lfs_size_threshold));
  }

  TEST_CASE("saved_model/**/* is anchored at the root") {
    CHECK(stored_in_lfs("saved_model/variables/variables.index", 10));
    CHECK(stored_in_lfs("saved_model/keras_metadata", 10));
    CHECK_FALSE(stored_in_lfs("tf/saved_model/keras_metadata", 10));
  }

  TEST_CASE("the pointer blob id is the git sha1 of the LFS pointer file") {
    std::string sha = "403450e234d65943a7dcf7e05a771ce3c92faa84dd07db4ac20f592037a1e4bd";
    CHECK(lfs_pointer_blob_id(sha, 321) ==
          util::git_blob_sha1_hex("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha + "\nsize 321\n"));
  }

  TEST_CASE("weights and model configs") {
    CHECK(is_weights_file("model.safetensors"));
    CHECK(is_weights_file("model-00001-of-00002.safetensors"));
    CHECK(is_weights_file("pytorch_model.bin.index.json"));
    CHECK(is_weights_file("unet/diffusion_pytorch_model.safetensors"));
    CHECK(is_weights_file("model.gguf"));
    CHECK_FALSE(is_weights_file("optimizer.pt"));
    CHECK_FALSE(is_weights_file("training_args.bin"));
    CHECK_FALSE(is_weights_file("rng_state_3.pth"));
    CHECK_FALSE(is_weights_file("tokenizer.json"));
    CHECK_FALSE(is_weights_file(".safetensors"));
    CHECK(is_model_config("config.json"));
    CHECK(is_model_config("model_index.json"));
    CHECK_FALSE(is_model_config("text_encoder/config.json"));
  }
}

TEST_SUITE("local_model_commit_id") {
  using core::TreeEntry;
  std::vector<TreeEntry> listing() {
    return {{"config.json", 10, std::string(40, 'a'), std::nullopt},
            {"model.safetensors", 1000, std::string(40, 'b'), std::string(64, 'c')},
            {"sub/vocab.txt", 5, std::string(40, 'd'), std::nullopt}};
  }

  TEST_CASE("stable: same content in any order gives the same 40-hex id") {
    auto a = local_commit_id(listing());
    auto reversed = listing();
    std::reverse(reversed.begin(), reversed.end());
    CHECK(a == local_commit_id(reversed));
    CHECK(a.size() == 40);
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  }

  TEST_CASE("sensitive to every path, etag and size") {
    auto base = local_commit_id(listing());
    auto renamed = listing();
    renamed[2].path = "sub/vocab2.txt";
    auto other_etag = listing();
    other_etag[1].lfs_sha256 = std::string(64, 'e');
    auto other_size = listing();
    other_size[0].size = 11;
    auto fewer = listing();
    fewer.pop_back();
    // Moving bytes between the path and the next field must not give the same listing.
    auto shifted = listing();
    shifted[0].path = "config.jso";
    for (const auto& changed : {renamed, other_etag, other_size, fewer, shifted}) CHECK(local_commit_id(changed) != base);
  }
}
