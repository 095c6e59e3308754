#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "repair/repair.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"

using namespace hfcache;
using namespace hfcache::core;
namespace fs = std::filesystem;

namespace {

struct TempCache {
  fs::path root = fs::temp_directory_path() / ("hfcache-repair-" + util::random_hex(8));
  CacheLayout layout{root};
  RepoRef repo{RepoType::model, "org/m"};
  std::string commit = std::string(40, 'c');
  ~TempCache() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path entry(const std::string& path) const { return layout.snapshot_dir(repo, commit) / path; }
  void write(const fs::path& p, std::string_view bytes) const {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }
};

repair::RepairOptions with_symlinks() {
  repair::RepairOptions options;
  options.symlinks = true;
  return options;
}

}  // namespace

TEST_SUITE("repair_engine") {
  TEST_CASE("an export manifest's catalog resolves a placeholder; the second run has nothing to do") {
    TempCache c;
    std::string bytes = "hello\n";
    auto etag = util::git_blob_sha1_hex(bytes);
    c.write(c.layout.blob_path(c.repo, etag), bytes);
    c.write(c.entry("sub/a.txt"), "");
    repair::FileCatalog catalog{{c.commit, {{"sub/a.txt", {etag, bytes.size()}}}}};
    auto options = with_symlinks();
    options.extra_catalog = &catalog;

    options.dry_run = true;
    auto plan = repair::repair_repo(c.layout, c.repo, options);
    CHECK(plan.changed);
    CHECK(plan.complete());
    CHECK_FALSE(fs::is_symlink(c.entry("sub/a.txt")));  // dry run: untouched

    options.dry_run = false;
    auto done = repair::repair_repo(c.layout, c.repo, options);
    REQUIRE(done.repos.size() == 1);
    REQUIRE(done.repos[0].entries.size() == 1);
    CHECK(done.repos[0].entries[0].found == repair::Form::empty_placeholder);
    CHECK(done.repos[0].entries[0].fixed);
    CHECK(fs::read_symlink(c.entry("sub/a.txt")).string() == "../../../blobs/" + etag);

    auto again = repair::repair_repo(c.layout, c.repo, options);
    CHECK_FALSE(again.changed);
    CHECK(again.repos[0].entries.empty());
    CHECK(again.repos[0].entries_ok == 1);
  }

  TEST_CASE("a blob whose name matches neither hash of its content is never linked") {
    TempCache c;
    auto etag = util::git_blob_sha1_hex("the real bytes\n");
    c.write(c.layout.blob_path(c.repo, etag), "other bytes\n");
    c.write(c.entry("a.txt"), "..\\..\\blobs\\" + etag);
    auto report = repair::repair_repo(c.layout, c.repo, with_symlinks());
    CHECK_FALSE(report.complete());
    CHECK(report.repos[0].finish_command == "hfcache pull org/m --revision " + c.commit);
    // The wrong bytes are kept under their own name; the entry became a link for pull to fill.
    CHECK(fs::exists(c.layout.blob_path(c.repo, util::git_blob_sha1_hex("other bytes\n"))));
    CHECK_FALSE(fs::exists(c.layout.blob_path(c.repo, etag)));
    CHECK(fs::read_symlink(c.entry("a.txt")).string() == "../../blobs/" + etag);
  }

  TEST_CASE("refs with CRLF are rewritten clean") {
    TempCache c;
    c.write(c.layout.ref_path(c.repo, "main"), c.commit + "\r\n");
    fs::create_directories(c.layout.snapshot_dir(c.repo, c.commit));
    auto report = repair::repair_repo(c.layout, c.repo, with_symlinks());
    CHECK(report.complete());
    CHECK(util::read_small_file(c.layout.ref_path(c.repo, "main")) == c.commit);
  }

  TEST_CASE("a Windows path kept as one name is moved into its folders, copies and links alike") {
    TempCache c;
    std::string weights = "onnx weights\n", config = "{}\n";  // .onnx is LFS by the hub rules: sha256
    auto weights_etag = util::sha256_hex(weights), config_etag = util::git_blob_sha1_hex(config);
    c.write(c.entry("onnx\\model.onnx"), weights);  // a dereferenced copy, as Python's zipfile extracts it
    c.write(c.layout.blob_path(c.repo, config_etag), config);
    fs::create_symlink("../../blobs/" + config_etag, c.entry("sub\\config.json"));  // written for the top level
    c.write(c.entry("a\\..\\..\\evil"), "x");                                   // would leave the snapshot
    auto options = with_symlinks();

    options.dry_run = true;
    auto plan = repair::repair_repo(c.layout, c.repo, options);
    CHECK(plan.changed);
    CHECK(fs::exists(c.entry("onnx\\model.onnx")));  // dry run: untouched

    options.dry_run = false;
    auto done = repair::repair_repo(c.layout, c.repo, options);
    CHECK(fs::read_symlink(c.entry("onnx/model.onnx")).string() == "../../../blobs/" + weights_etag);
    CHECK(fs::read_symlink(c.entry("sub/config.json")).string() == "../../../blobs/" + config_etag);
    CHECK(util::read_small_file(c.entry("onnx/model.onnx")) == weights);
    CHECK_FALSE(fs::exists(fs::symlink_status(c.entry("onnx\\model.onnx"))));
    CHECK_FALSE(fs::exists(fs::symlink_status(c.entry("sub\\config.json"))));
    CHECK(fs::exists(c.entry("a\\..\\..\\evil")));  // unsafe once split: left, and said so
    CHECK_FALSE(done.complete());
    int moved = 0;
    for (const auto& e : done.repos[0].entries) moved += e.found == repair::Form::windows_name && e.fixed;
    CHECK(moved == 2);

    auto again = repair::repair_repo(c.layout, c.repo, options);
    CHECK(again.repos[0].entries.size() == 1);  // only the unsafe name is still reported
  }
}
