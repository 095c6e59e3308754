#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/tree_cache.hpp"
#include "local_model/local_import.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "support/temp_dir.hpp"

using namespace hfcache;
using namespace hfcache::local_model;
namespace fs = std::filesystem;

namespace {
using hfcache::test_support::TempDir;
void write(const fs::path& p, const std::string& content) { hfcache::test_support::write_file(p, content); }
std::string read(const fs::path& p) { return util::read_small_file(p, 1 << 24).value_or("<absent>"); }
std::size_t count_files(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it)
    if (!it->is_directory()) ++n;
  return n;
}

const std::string weights = std::string("\x08\x00\x00\x00\x00\x00\x00\x00{}      ", 16) + std::string(64, '\x01');

struct Fixture {
  TempDir tmp;
  fs::path src = tmp.path / "my-model";
  core::CacheLayout layout{tmp.path / "hub"};
  core::RepoRef repo{core::RepoType::model, "myorg/my-model"};
  Fixture() {
    write(src / "config.json", R"({"model_type": "bert"})");
    write(src / "model.safetensors", weights);
    write(src / "tokenizer/vocab.txt", "[PAD]\n[UNK]\n");
    write(src / "copy-of-config.json", R"({"model_type": "bert"})");
  }
  LocalImportRequest request() const {
    LocalImportRequest r;
    r.source = src;
    r.repo = repo;
    return r;
  }
};
}  // namespace

TEST_SUITE("local_model_import") {
  TEST_CASE("layout: blobs by etag, relative links, trees/<commit>.json, refs/main") {
    Fixture f;
    auto r = import_local_folder(f.layout, f.request());
    CHECK(r.files == 4);
    CHECK(r.blobs_written == 3);  // the two identical JSON files share one blob
    CHECK_FALSE(r.checkpoint);
    CHECK(r.previous_commit.empty());
    CHECK(read(f.layout.ref_path(f.repo, "main")) == r.commit);
    CHECK(r.snapshot_path == f.layout.snapshot_dir(f.repo, r.commit));
    auto sha256 = util::sha256_hex(weights);
    auto config_sha1 = util::git_blob_sha1_hex(R"({"model_type": "bert"})");
    CHECK(read(f.layout.blob_path(f.repo, sha256)) == weights);
    CHECK(fs::read_symlink(r.snapshot_path / "model.safetensors") == fs::path("../../blobs/" + sha256));
    CHECK(fs::read_symlink(r.snapshot_path / "config.json") == fs::path("../../blobs/" + config_sha1));
    CHECK(fs::read_symlink(r.snapshot_path / "tokenizer/vocab.txt").string().starts_with("../../../blobs/"));
    CHECK(read(r.snapshot_path / "tokenizer/vocab.txt") == "[PAD]\n[UNK]\n");
    auto tree = core::read_tree_cache(f.layout, f.repo, r.commit);
    REQUIRE(tree);
    REQUIRE(tree->size() == 4);
    for (const auto& e : *tree) {
      if (e.path == "model.safetensors") {
        CHECK(e.lfs_sha256 == sha256);
        CHECK(e.size == weights.size());
      } else {
        CHECK_FALSE(e.lfs_sha256);
      }
    }
    CHECK(fs::exists(f.layout.root() / "CACHEDIR.TAG"));
    CHECK(count_files(f.layout.blobs_dir(f.repo)) == 3);
  }

  TEST_CASE("re-import is a no-op; a change gives a new commit and shares the other blobs") {
    Fixture f;
    auto first = import_local_folder(f.layout, f.request());
    auto again = import_local_folder(f.layout, f.request());
    CHECK(again.commit == first.commit);
    CHECK(again.blobs_written == 0);
    CHECK(again.previous_commit == first.commit);
    write(f.src / "tokenizer/vocab.txt", "[PAD]\n[UNK]\n[CLS]\n");
    auto changed = import_local_folder(f.layout, f.request());
    CHECK(changed.commit != first.commit);
    CHECK(changed.blobs_written == 1);
    CHECK(changed.previous_commit == first.commit);
    CHECK(count_files(f.layout.blobs_dir(f.repo)) == 4);
    CHECK(read(f.layout.ref_path(f.repo, "main")) == changed.commit);
    // The same folder elsewhere, under another name, is the same commit.
    fs::rename(f.src, f.tmp.path / "renamed");
    auto moved = f.request();
    moved.source = f.tmp.path / "renamed";
    moved.revision = "v2";
    CHECK(import_local_folder(f.layout, moved).commit == changed.commit);
  }

  TEST_CASE("dry run fills the plan and writes nothing") {
    Fixture f;
    auto req = f.request();
    req.dry_run = true;
    auto r = import_local_folder(f.layout, req);
    CHECK(r.plan.size() == 4);
    CHECK(r.blobs_written == 3);
    CHECK_FALSE(r.commit.empty());
    CHECK_FALSE(fs::exists(f.layout.root()));
    CHECK(import_local_folder(f.layout, f.request()).commit == r.commit);
  }

  TEST_CASE("copy mode: regular files in the snapshot, re-import a no-op") {
    Fixture f;
    auto req = f.request();
    req.disable_symlinks = true;
    auto r = import_local_folder(f.layout, req);
    CHECK_FALSE(fs::is_symlink(r.snapshot_path / "model.safetensors"));
    CHECK(read(r.snapshot_path / "model.safetensors") == weights);
    CHECK(read(r.snapshot_path / "config.json") == read(r.snapshot_path / "copy-of-config.json"));
    auto again = import_local_folder(f.layout, req);
    CHECK(again.commit == r.commit);
    CHECK(again.blobs_written == 0);
  }

  TEST_CASE("skips .git, .cache/huggingface, __pycache__, .DS_Store; follows links inside the folder") {
    Fixture f;
    write(f.src / ".git/HEAD", "ref: refs/heads/main\n");
    write(f.src / ".cache/huggingface/download/config.json.metadata", "x");
    write(f.src / "__pycache__/x.pyc", "x");
    write(f.src / ".DS_Store", "x");
    fs::create_symlink("config.json", f.src / "linked.json");
    fs::create_symlink(fs::canonical(f.src) / "tokenizer/vocab.txt", f.src / "absolute-link.txt");
    auto r = import_local_folder(f.layout, f.request());
    CHECK(r.files == 6);
    CHECK(read(r.snapshot_path / "absolute-link.txt") == "[PAD]\n[UNK]\n");
    CHECK(read(r.snapshot_path / "linked.json") == R"({"model_type": "bert"})");
    CHECK_FALSE(fs::exists(r.snapshot_path / ".git"));
    CHECK_FALSE(fs::exists(r.snapshot_path / ".DS_Store"));
  }

  TEST_CASE("hostile entries are refused before anything is written") {
    Fixture f;
    SUBCASE("link to /etc/passwd") { fs::create_symlink("/etc/passwd", f.src / "passwd"); }
    SUBCASE("relative link out of the folder") {
      write(f.tmp.path / "secret", "s");
      fs::create_symlink("../secret", f.src / "tokenizer/secret");
    }
    SUBCASE("link to a folder") { fs::create_directory_symlink("tokenizer", f.src / "loop"); }
    SUBCASE("broken link") { fs::create_symlink("nowhere", f.src / "dangling"); }
    SUBCASE("FIFO") { REQUIRE(::mkfifo((f.src / "pipe").c_str(), 0600) == 0); }
    CHECK_THROWS_AS(import_local_folder(f.layout, f.request()), UsageError);
    CHECK_FALSE(fs::exists(f.layout.root()));
  }

  TEST_CASE("usage errors: missing source, a file, empty, no model, bad revision, cache inside") {
    Fixture f;
    auto req = f.request();
    req.source = f.tmp.path / "nope";
    CHECK_THROWS_WITH_AS(import_local_folder(f.layout, req), doctest::Contains("does not exist"), UsageError);
    req.source = f.src / "config.json";
    CHECK_THROWS_WITH_AS(import_local_folder(f.layout, req), doctest::Contains("not a folder"), UsageError);
    fs::create_directories(f.tmp.path / "empty/.git");
    req.source = f.tmp.path / "empty";
    CHECK_THROWS_WITH_AS(import_local_folder(f.layout, req), doctest::Contains("holds no files"), UsageError);
    write(f.tmp.path / "notes/readme.txt", "hello");
    req.source = f.tmp.path / "notes";
    CHECK_THROWS_WITH_AS(import_local_folder(f.layout, req), doctest::Contains("no config.json"), UsageError);
    req.repo.type = core::RepoType::dataset;
    CHECK_NOTHROW(import_local_folder(f.layout, req));
    req = f.request();
    req.revision = "a/../b";
    CHECK_THROWS_AS(import_local_folder(f.layout, req), UsageError);
    req.revision = std::string(40, 'a');
    CHECK_THROWS_AS(import_local_folder(f.layout, req), UsageError);
    CHECK_THROWS_AS(import_local_folder(core::CacheLayout(f.src / "hub"), f.request()), UsageError);
    CHECK_NOTHROW(import_local_folder(core::CacheLayout(f.src / ".cache/huggingface/hub"), f.request()));
  }

  TEST_CASE("a checkpoint folder is flagged") {
    Fixture f;
    write(f.src / "trainer_state.json", R"({"global_step": 5})");
    write(f.src / "optimizer.pt", "opt");
    auto r = import_local_folder(f.layout, f.request());
    CHECK(r.checkpoint);
    auto info = checkpoint_info(r.snapshot_path);
    REQUIRE(info);
    CHECK(info->global_step == 5);
  }
}
