#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "core/temp_sweep.hpp"
#include "util/fs.hpp"

using namespace hfcache;
using namespace hfcache::core;
namespace fs = std::filesystem;

TEST_SUITE("temp_sweep") {
  TEST_CASE("names of interrupted atomic writes") {
    CHECK(is_atomic_write_leftover("main.0123abcd.tmp", false));
    CHECK(is_atomic_write_leftover("config.json.deadbeef.tmp", false));
    CHECK(is_atomic_write_leftover("tmpa1b2_c3d.tmp", true));
    CHECK_FALSE(is_atomic_write_leftover("tmpa1b2_c3d.tmp", false));
    CHECK_FALSE(is_atomic_write_leftover("main", false));
    CHECK_FALSE(is_atomic_write_leftover("data.tmp", false));           // a repo file may be called that
    CHECK_FALSE(is_atomic_write_leftover("x.0123ABCD.tmp", false));     // not our lowercase hex
  }

  TEST_CASE("only stale leftovers go") {
    auto root = fs::temp_directory_path() / ("hfcache-sweep-" + util::random_hex(8));
    CacheLayout layout(root);
    RepoRef repo{RepoType::model, "org/x"};
    fs::create_directories(layout.repo_dir(repo) / "refs");
    fs::create_directories(layout.snapshot_dir(repo, std::string(40, 'a')));
    auto old_ref = layout.repo_dir(repo) / "refs" / "main.0123abcd.tmp";
    auto young_ref = layout.repo_dir(repo) / "refs" / "dev.0123abcd.tmp";
    auto real_ref = layout.repo_dir(repo) / "refs" / "main";
    auto old_link = layout.snapshot_dir(repo, std::string(40, 'a')) / "config.json.89abcdef.tmp";
    auto old_tag = root / "CACHEDIR.TAG.00000000.tmp";
    for (const auto& p : {old_ref, young_ref, real_ref, old_link, old_tag}) std::ofstream(p) << "x";
    auto past = fs::file_time_type::clock::now() - std::chrono::hours(48);
    for (const auto& p : {old_ref, real_ref, old_link, old_tag}) fs::last_write_time(p, past);
    CHECK(sweep_stale_temp_files(layout, repo) == 3);
    CHECK_FALSE(fs::exists(old_ref));
    CHECK_FALSE(fs::exists(old_link));
    CHECK_FALSE(fs::exists(old_tag));
    CHECK(fs::exists(young_ref));
    CHECK(fs::exists(real_ref));
    fs::remove_all(root);
  }
}
