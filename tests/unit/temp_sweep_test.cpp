#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/private_temp.hpp"
#include "core/temp_sweep.hpp"
#include "core/tree_cache.hpp"
#include "core/write_lock.hpp"
#include "util/fs.hpp"

using namespace hfcache;
using namespace hfcache::core;
namespace fs = std::filesystem;

namespace {

struct Repo {
  fs::path root = fs::temp_directory_path() / ("hfcache-sweep-" + util::random_hex(8));
  CacheLayout layout{root};
  RepoRef repo{RepoType::model, "org/x"};
  std::string commit = std::string(40, 'a');
  fs::path dir = layout.repo_dir(repo);
  fs::path snap = layout.snapshot_dir(repo, commit);
  Repo() {
    for (const char* sub : {"refs", "blobs", "trees"}) fs::create_directories(dir / sub);
    fs::create_directories(snap);
  }
  ~Repo() { fs::remove_all(root); }
  fs::path file(const fs::path& p, const std::string& text = "x") const {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
};

void age(const fs::path& p) {
  auto past = fs::file_time_type::clock::now() - std::chrono::hours(48);
  fs::last_write_time(p, past);
}

std::map<std::string, LeftoverKind> kinds(const Repo& r, bool with_orphans) {
  std::map<std::string, LeftoverKind> out;
  for (const auto& l : find_leftovers(r.layout, r.repo, with_orphans))
    out[l.path == r.dir ? "." : l.path.lexically_relative(r.dir).generic_string()] = l.kind;
  return out;
}

}  // namespace

TEST_SUITE("temp_sweep") {
  TEST_CASE("names of interrupted atomic writes, staged blobs, downloads and litter") {
    CHECK(is_atomic_write_leftover("main.0123abcd.tmp", false));
    CHECK(is_atomic_write_leftover("main.hfcache-0123abcd.tmp", false));
    CHECK(is_atomic_write_leftover("config.json.deadbeef.tmp", false));
    CHECK(is_atomic_write_leftover("tmpa1b2_c3d.tmp", true));
    CHECK_FALSE(is_atomic_write_leftover("tmpa1b2_c3d.tmp", false));
    CHECK_FALSE(is_atomic_write_leftover("main", false));
    CHECK_FALSE(is_atomic_write_leftover("data.tmp", false));           // a repo file may be called that
    CHECK_FALSE(is_atomic_write_leftover("x.0123ABCD.tmp", false));     // not our lowercase hex
    CHECK_FALSE(is_atomic_write_leftover("x.hfcache-0123.tmp", false));
    CHECK(is_own_blob_temp(own_blob_temp_name()));
    CHECK_FALSE(is_own_blob_temp(".hfcache-0123.incomplete"));
    auto etag = std::string(64, 'b');
    CHECK(is_download_temp(etag + ".incomplete"));
    CHECK(is_download_temp(etag + ".0123abcd.incomplete"));
    CHECK(is_download_temp(etag + ".0123abcd-gpu_node_7-4242.incomplete"));  // hfcache's private name
    CHECK(is_download_temp(etag + "." + private_temp_name(etag).substr(etag.size() + 1)));
    CHECK_FALSE(is_download_temp(etag + ".0123abcd-.incomplete"));
    CHECK_FALSE(is_download_temp(etag + ".0123abcd-host-x1.incomplete"));
    CHECK_FALSE(is_download_temp(etag + ".0123abcd-ho.st-1.incomplete"));
    CHECK(is_download_temp(etag + ".part"));
    CHECK(is_download_temp(etag + ".lock"));
    CHECK_FALSE(is_download_temp(etag));
    CHECK_FALSE(is_download_temp("import-0123.incomplete"));
    CHECK_FALSE(is_download_temp(etag + ".zip"));
    CHECK(is_os_litter_name("Thumbs.db"));
    CHECK(is_os_litter_name("desktop.ini"));
    CHECK(is_os_litter_name(".DS_Store"));
    CHECK_FALSE(is_os_litter_name("thumbs.db.json"));
  }

  TEST_CASE("without a listing, a litter name in a snapshot may be the repo's: kept; a temp link is not") {
    Repo r;  // no trees/<commit>.json, as in a cache an older huggingface_hub wrote
    auto etag = std::string(64, 'b');
    r.file(r.dir / "refs" / "main", r.commit);
    r.file(r.dir / "blobs" / etag);
    fs::create_symlink("../../blobs/" + etag, r.snap / "config.json");
    r.file(r.snap / ".DS_Store");  // a copies-layout snapshot: could be a committed .DS_Store
    fs::create_symlink("../../blobs/" + etag, r.snap / "config.json.89abcdef.tmp");
    auto found = kinds(r, false);
    CHECK_FALSE(found.contains("snapshots/" + r.commit + "/.DS_Store"));
    CHECK(found.contains("snapshots/" + r.commit + "/config.json.89abcdef.tmp"));
  }

  TEST_CASE("every leftover is found with its kind; repo files and listed litter names are not") {
    Repo r;
    auto etag = std::string(64, 'b');
    r.file(r.dir / "refs" / "main", r.commit);
    r.file(r.dir / "refs" / "main.0123abcd.tmp", r.commit);
    r.file(r.dir / "refs" / "dev.hfcache-0123abcd.tmp", r.commit);
    r.file(r.dir / "refs" / ".DS_Store");
    r.file(r.dir / "trees" / "tmpa1b2_c3d.tmp");
    r.file(r.dir / "trees" / (r.commit + ".json.0123abcd.tmp"));
    fs::create_symlink("../../blobs/" + etag, r.snap / "config.json.89abcdef.tmp");
    fs::create_symlink("../../blobs/" + etag, r.snap / "config.json");
    r.file(r.dir / "blobs" / etag);
    r.file(r.dir / "blobs" / (etag + ".0123abcd.incomplete"));
    r.file(r.dir / "blobs" / own_blob_temp_name());
    r.file(r.dir / "blobs" / std::string(40, 'c'));  // nothing links to it
    r.file(r.snap / "sub" / "Thumbs.db");
    r.file(r.snap / "desktop.ini");  // named by the listing below: a repo file
    fs::create_symlink("../../blobs/" + etag, r.snap / "run.0123abcd.tmp");  // so is this one
    r.file(r.dir / ".no_exist" / r.commit / "gone.0123abcd.tmp", "");  // a marker, named after a repo path
    write_tree_cache(r.layout, r.repo, r.commit, {{"desktop.ini", 1, std::string(40, 'd'), std::nullopt},
                                                 {"run.0123abcd.tmp", 1, std::string(40, 'd'), std::nullopt}});
    fs::create_directories(r.dir / ".hfcache-deleting-x-0123abcd" / "deep");
    r.file(r.dir / ".hfcache-deleting-x-0123abcd" / "deep" / "f");
    auto found = kinds(r, true);
    std::map<std::string, LeftoverKind> expected{
        {"refs/main.0123abcd.tmp", LeftoverKind::hub_temp},
        {"refs/dev.hfcache-0123abcd.tmp", LeftoverKind::own_temp},
        {"refs/.DS_Store", LeftoverKind::os_litter},
        {"trees/tmpa1b2_c3d.tmp", LeftoverKind::hub_temp},
        {"trees/" + r.commit + ".json.0123abcd.tmp", LeftoverKind::own_temp},
        {"snapshots/" + r.commit + "/config.json.89abcdef.tmp", LeftoverKind::own_temp},
        {"snapshots/" + r.commit + "/sub/Thumbs.db", LeftoverKind::os_litter},
        {"blobs/" + etag + ".0123abcd.incomplete", LeftoverKind::download_temp},
        {"blobs/" + std::string(40, 'c'), LeftoverKind::orphan_blob},
        {".hfcache-deleting-x-0123abcd", LeftoverKind::deleting_folder},
    };
    for (const auto& [path, kind] : found)
      if (path.starts_with("blobs/.hfcache-")) CHECK(kind == LeftoverKind::own_temp);
    std::erase_if(found, [](const auto& kv) { return kv.first.starts_with("blobs/.hfcache-"); });
    CHECK(found == expected);
  }

  TEST_CASE("a repo folder with no snapshot and no ref is a leftover of its own") {
    Repo r;
    fs::remove_all(r.dir / "snapshots");
    auto found = kinds(r, true);
    CHECK(found.size() == 1);
    CHECK(found["."] == LeftoverKind::empty_repo);
  }

  TEST_CASE("an idle repo loses hfcache's temp files at any age; huggingface_hub's wait a day") {
    Repo r;
    auto own_link = r.snap / "config.json.89abcdef.tmp";
    fs::create_symlink("../../blobs/" + std::string(64, 'b'), own_link);  // dangling: the blob is not there yet
    auto own_ref = r.file(r.dir / "refs" / "main.hfcache-0123abcd.tmp");
    auto hub_ref = r.file(r.dir / "refs" / "dev.0123abcd.tmp");
    auto old_hub_ref = r.file(r.dir / "refs" / "old.0123abcd.tmp");
    age(old_hub_ref);
    auto staged = r.file(r.dir / "blobs" / own_blob_temp_name());
    auto download = r.file(r.dir / "blobs" / (std::string(64, 'b') + ".incomplete"));
    auto litter = r.file(r.snap / ".DS_Store");
    // The commit's listing does not name it, so it is litter (without a listing it would be kept).
    write_tree_cache(r.layout, r.repo, r.commit, {{"config.json", 1, std::string(40, 'd'), std::nullopt}});
    auto aside = r.dir / ".hfcache-deleting-x-0123abcd";
    r.file(aside / "f");
    auto old_tag = r.file(r.root / "CACHEDIR.TAG.00000000.tmp");
    age(old_tag);
    CHECK(sweep_leftovers(r.layout, r.repo) == 6);
    for (const auto& p : {own_ref, old_hub_ref, staged, aside, old_tag}) CHECK_FALSE(fs::exists(p));
    CHECK_FALSE(fs::exists(fs::symlink_status(own_link)));
    CHECK(fs::exists(hub_ref));   // may be a live huggingface_hub's
    CHECK(fs::exists(download));  // a resume point: the next download's, or gc's after a day
    CHECK(fs::exists(litter));    // only repair and gc remove litter
    CHECK(sweep_leftovers(r.layout, r.repo, {.litter = true}) == 1);
    CHECK_FALSE(fs::exists(litter));
  }

  TEST_CASE("while another hfcache writer holds the repo, its young temp files stay") {
    Repo r;
    auto young = r.file(r.dir / "refs" / "main.hfcache-0123abcd.tmp");
    auto old = r.file(r.dir / "refs" / "dev.hfcache-0123abcd.tmp");
    age(old);
    auto staged = r.file(r.dir / "blobs" / own_blob_temp_name());
    {
      RepoWriteLock writer(r.layout, r.repo);  // flock: another open file, as another process would hold it
      CHECK_FALSE(try_lock_repo_idle(r.layout, r.repo).has_value());
      CHECK(sweep_leftovers(r.layout, r.repo) == 1);
      CHECK(fs::exists(young));
      CHECK(fs::exists(staged));
      CHECK_FALSE(fs::exists(old));
      RepoWriteLock second_writer(r.layout, r.repo);  // writers share it
    }
    CHECK(try_lock_repo_idle(r.layout, r.repo).has_value());
    CHECK(sweep_leftovers(r.layout, r.repo) == 2);
  }
}
