#include <doctest/doctest.h>

#include <filesystem>

#include "core/errors.hpp"
#include "index_test_cache.hpp"
#include "maintenance/gc.hpp"
#include "maintenance/remove.hpp"
#include "core/temp_sweep.hpp"
#include "core/write_lock.hpp"
#include "util/file_lock.hpp"

using namespace hfcache;
using namespace hfcache::test_support;
namespace fs = std::filesystem;

namespace {

void set_mtime(const fs::path& p, int seconds_ago) {
  fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::seconds(seconds_ago));
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_SUITE("maintenance_parse_size") {
  TEST_CASE("K/M/G/T and KiB..TiB are binary, KB..TB decimal, plain numbers bytes") {
    using maintenance::parse_size;
    CHECK(parse_size("123") == 123);
    CHECK(parse_size("0") == 0);
    CHECK(parse_size("18446744073709551614") == 18446744073709551614ull);
    CHECK(parse_size("10B") == 10);
    CHECK(parse_size("1K") == 1024);
    CHECK(parse_size("500M") == 500ull << 20);
    CHECK(parse_size("10G") == 10ull << 30);
    CHECK(parse_size("10g") == 10ull << 30);
    CHECK(parse_size("10GiB") == 10ull << 30);
    CHECK(parse_size("10GB") == 10'000'000'000ull);
    CHECK(parse_size("500MB") == 500'000'000ull);
    CHECK(parse_size("1.5T") == 3ull << 39);
    CHECK(parse_size("1.5GiB") == 3ull << 29);
    CHECK(parse_size("2 TB") == 2'000'000'000'000ull);
    for (const char* bad : {"", "G", "-1G", "10X", "10GiBs", "1.2.3G", "10 G B", "abc", "1e9", "99999999999T"})
      CHECK_THROWS_AS(parse_size(bad), UsageError);
  }
}

TEST_SUITE("maintenance_remove") {
  TEST_CASE("removing one revision keeps the blobs shared with the revisions left, drops its refs and trees") {
    TestCache c;
    auto a = TestCache::model("org/a");
    auto shared = c.add_file(a, sha('1'), "config.json", "{}");
    auto own = c.add_file(a, sha('1'), "w.bin", "old weights");
    c.add_file(a, sha('2'), "config.json", "{}");
    auto kept = c.add_file(a, sha('2'), "w.bin", "new weights");
    c.set_ref(a, "main", sha('2'));
    c.set_ref(a, "refs/pr/1", sha('1'));
    write_file(c.layout.tree_cache_path(a, sha('1')), "{}");
    write_file(c.layout.no_exist_path(a, sha('1'), "missing.txt"), "");

    auto plan = maintenance::plan_remove(c.layout, a, std::string("refs/pr/1"));
    CHECK(plan.commits == std::vector<std::string>{sha('1')});
    CHECK(plan.refs == std::vector<std::string>{"refs/pr/1"});
    CHECK(plan.blobs == std::vector<std::string>{own});
    CHECK(plan.bytes_freed == 11);
    CHECK_FALSE(plan.whole_repo);
    maintenance::execute_remove(c.layout, plan);
    CHECK_FALSE(fs::exists(c.layout.snapshot_dir(a, sha('1'))));
    CHECK_FALSE(fs::exists(c.layout.blob_path(a, own)));
    CHECK(fs::exists(c.layout.blob_path(a, shared)));
    CHECK(fs::exists(c.layout.blob_path(a, kept)));
    CHECK_FALSE(fs::exists(c.layout.ref_path(a, "refs/pr/1")));
    CHECK_FALSE(fs::exists(c.layout.repo_dir(a) / "refs" / "refs" / "pr"));
    CHECK(fs::exists(c.layout.ref_path(a, "main")));
    CHECK_FALSE(fs::exists(c.layout.tree_cache_path(a, sha('1'))));
    CHECK_FALSE(fs::exists(c.layout.repo_dir(a) / ".no_exist" / sha('1')));
    CHECK(fs::is_symlink(c.layout.snapshot_file(a, sha('2'), "config.json")));
    for (const auto& e : fs::directory_iterator(c.layout.repo_dir(a)))
      CHECK_FALSE(e.path().filename().string().starts_with(".hfcache-deleting"));
  }

  TEST_CASE("removing the last revision or the whole repo removes its folder and its .locks") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "f", "x");
    c.set_ref(a, "main", sha('1'));
    fs::create_directories(c.root / ".locks" / a.folder_name());
    auto plan = maintenance::plan_remove(c.layout, a, std::string("main"));
    CHECK(plan.whole_repo);
    maintenance::execute_remove(c.layout, plan);
    CHECK_FALSE(fs::exists(c.layout.repo_dir(a)));
    CHECK_FALSE(fs::exists(c.root / ".locks" / a.folder_name()));
    CHECK(fs::exists(c.root));
  }

  TEST_CASE("an unknown repo or revision is NotFound") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "f", "x");
    CHECK_THROWS_AS(maintenance::plan_remove(c.layout, TestCache::model("org/b"), std::nullopt), NotFoundError);
    CHECK_THROWS_AS(maintenance::plan_remove(c.layout, a, std::string("v9")), NotFoundError);
    CHECK(maintenance::plan_remove(c.layout, a, sha('1')).whole_repo);
  }
}

TEST_SUITE("maintenance_gc") {
  TEST_CASE("gc evicts least recently used first, skips pinned and in-use, keeps shared blobs") {
    TestCache c;
    auto a = TestCache::model("org/a");
    auto b = TestCache::model("org/b");
    auto d = TestCache::model("org/d");
    c.add_file(a, sha('1'), "w", std::string(100, 'a'));  // oldest, pinned
    c.add_file(b, sha('2'), "w", std::string(100, 'b'));  // in use
    c.add_file(d, sha('3'), "w", std::string(100, 'd'));
    c.add_file(d, sha('3'), "shared", std::string(50, 's'));
    c.add_file(d, sha('4'), "shared", std::string(50, 's'));  // newest
    set_mtime(c.layout.snapshot_dir(a, sha('1')), 4000);
    set_mtime(c.layout.snapshot_dir(b, sha('2')), 3000);
    set_mtime(c.layout.snapshot_dir(d, sha('3')), 2000);
    set_mtime(c.layout.snapshot_dir(d, sha('4')), 1000);
    maintenance::UsageByRevision usage{{maintenance::usage_key(a, sha('1')), {0, true}}};
    auto in_use = [&](const core::RepoRef& r, const std::string&) { return r == b; };

    auto plan = maintenance::plan_gc(c.layout, 260, usage, in_use);
    CHECK(plan.size_before == 350);
    REQUIRE(plan.evictions.size() == 1);
    CHECK(plan.evictions[0].commits == std::vector<std::string>{sha('3')});
    CHECK(plan.evictions[0].bytes_freed == 100);  // "shared" stays with sha 4
    CHECK_FALSE(plan.evictions[0].whole_repo);
    CHECK(plan.size_after == 250);
    CHECK(plan.fits);
    REQUIRE(plan.skipped.size() == 2);
    CHECK(plan.skipped[0] == "org/a@" + sha('1') + ": pinned");
    CHECK(plan.skipped[1] == "org/b@" + sha('2') + ": in use");
    maintenance::execute_gc(c.layout, plan);
    CHECK_FALSE(fs::exists(c.layout.snapshot_dir(d, sha('3'))));
    CHECK(fs::exists(c.layout.snapshot_dir(d, sha('4')) / "shared"));
    CHECK(fs::exists(fs::canonical(c.layout.snapshot_dir(d, sha('4')) / "shared")));
    CHECK(maintenance::repos_changed_by(plan) == std::vector<core::RepoRef>{d});

    auto impossible = maintenance::plan_gc(c.layout, 10, usage, in_use);
    CHECK_FALSE(impossible.fits);
    REQUIRE(impossible.evictions.size() == 1);
    CHECK(impossible.evictions[0].whole_repo);
    CHECK(impossible.size_after == 200);
  }

  TEST_CASE("recently touched revisions are evicted last") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "w", std::string(100, '1'));
    c.add_file(a, sha('2'), "w", std::string(100, '2'));
    set_mtime(c.layout.snapshot_dir(a, sha('1')), 4000);
    set_mtime(c.layout.snapshot_dir(a, sha('2')), 1000);
    maintenance::UsageByRevision usage{{maintenance::usage_key(a, sha('1')), {now_seconds(), false}}};
    auto plan = maintenance::plan_gc(c.layout, 150, usage, {});
    REQUIRE(plan.evictions.size() == 1);
    CHECK(plan.evictions[0].commits == std::vector<std::string>{sha('2')});
  }

  TEST_CASE("orphan blobs and day-old .incomplete files go first, even without a quota; fresh downloads stay") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "w", "linked");
    write_file(c.layout.blob_path(a, "orphan"), "12345");
    write_file(c.layout.incomplete_path(a, "old"), "123");
    write_file(c.layout.incomplete_path(a, "fresh"), "1");
    set_mtime(c.layout.incomplete_path(a, "old"), 25 * 3600);
    auto plan = maintenance::plan_gc(c.layout, std::nullopt, {}, {});
    std::sort(plan.orphan_blobs.begin(), plan.orphan_blobs.end());
    CHECK(plan.orphan_blobs == std::vector<std::string>{a.folder_name() + "/blobs/old.incomplete", a.folder_name() + "/blobs/orphan"});
    CHECK(plan.evictions.empty());
    CHECK(plan.size_before - plan.size_after == 8);
    maintenance::execute_gc(c.layout, plan);
    CHECK_FALSE(fs::exists(c.layout.blob_path(a, "orphan")));
    CHECK_FALSE(fs::exists(c.layout.incomplete_path(a, "old")));
    CHECK(fs::exists(c.layout.incomplete_path(a, "fresh")));
    CHECK(fs::exists(c.layout.snapshot_file(a, sha('1'), "w")));
    CHECK(fs::exists(fs::canonical(c.layout.snapshot_file(a, sha('1'), "w"))));
  }

  TEST_CASE("hf-hub's blobs/<etag>.lock goes only when a day old and not held; hfcache's staged blobs are the sweep's") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "w", "linked");
    auto etag = std::string(64, 'e');
    auto young_lock = c.layout.blobs_dir(a) / (etag + ".lock");
    auto old_lock = c.layout.blobs_dir(a) / (std::string(64, 'f') + ".lock");
    auto held_lock = c.layout.blobs_dir(a) / (std::string(40, '9') + ".lock");
    auto staged = c.layout.blobs_dir(a) / core::own_blob_temp_name();
    for (const auto& p : {young_lock, old_lock, held_lock, staged}) write_file(p, "");
    set_mtime(old_lock, 25 * 3600);
    set_mtime(held_lock, 25 * 3600);
    util::FileLock holder(held_lock);  // a live hf-hub download
    core::RepoWriteLock importing(c.layout, a);  // a live import owns `staged`
    auto plan = maintenance::plan_gc(c.layout, std::nullopt, {}, {});
    CHECK(plan.orphan_blobs == std::vector<std::string>{a.folder_name() + "/blobs/" + std::string(64, 'f') + ".lock"});
    maintenance::execute_gc(c.layout, plan);
    CHECK_FALSE(fs::exists(old_lock));
    CHECK(fs::exists(young_lock));
    CHECK(fs::exists(held_lock));
    CHECK(fs::exists(staged));
  }

  TEST_CASE("gc removes a repo folder a killed rm or gc left empty, and a litter-only one, but not a starting download") {
    TestCache c;
    auto empty = TestCache::model("org/empty");
    auto starting = TestCache::model("org/starting");
    auto kept = TestCache::model("org/kept");
    fs::create_directories(c.layout.repo_dir(empty) / "refs");
    write_file(c.layout.blob_path(empty, sha('3')), "orphan");
    write_file(c.layout.repo_dir(empty) / ".DS_Store", "");
    write_file(c.layout.incomplete_path(starting, std::string(64, 'a')), "12");
    c.add_file(kept, sha('1'), "w", "linked");
    auto plan = maintenance::plan_gc(c.layout, std::nullopt, {}, {});
    maintenance::execute_gc(c.layout, plan);
    CHECK_FALSE(fs::exists(c.layout.repo_dir(empty)));
    CHECK(fs::exists(c.layout.incomplete_path(starting, std::string(64, 'a'))));
    CHECK(fs::exists(c.layout.snapshot_file(kept, sha('1'), "w")));
  }
}

TEST_SUITE("maintenance_remove_after_kill") {
  TEST_CASE("rm of a revision a killed rm had moved aside finishes the job instead of answering not found") {
    TestCache c;
    auto a = TestCache::model("org/a");
    auto gone = c.add_file(a, sha('1'), "only-in-1", "doomed bytes");
    auto shared = c.add_file(a, sha('1'), "shared", "kept bytes");
    c.add_file(a, sha('2'), "shared", "kept bytes");
    c.set_ref(a, "main", sha('2'));
    // What a kill leaves after the ref went and the snapshot was moved aside.
    auto aside = c.layout.repo_dir(a) / (".hfcache-deleting-" + sha('1') + "-0123abcd");
    fs::rename(c.layout.snapshot_dir(a, sha('1')), aside);
    auto plan = maintenance::plan_remove(c.layout, a, sha('1'));
    CHECK(plan.commits.empty());
    CHECK(plan.interrupted == std::vector<fs::path>{aside});
    maintenance::execute_remove(c.layout, plan);
    CHECK_FALSE(fs::exists(aside));
    CHECK_FALSE(fs::exists(c.layout.blob_path(a, gone)));
    CHECK(fs::exists(c.layout.blob_path(a, shared)));
    CHECK(fs::exists(c.layout.snapshot_file(a, sha('2'), "shared")));
    CHECK_THROWS_AS(maintenance::plan_remove(c.layout, a, sha('1')), NotFoundError);  // nothing left to finish
  }

  TEST_CASE("rm of a repo a killed rm left without snapshots removes the folder, aside folders and orphans included") {
    TestCache c;
    auto a = TestCache::model("org/a");
    auto blob = c.add_file(a, sha('1'), "w", "bytes");
    auto aside = c.layout.repo_dir(a) / (".hfcache-deleting-" + sha('1') + "-0123abcd");
    fs::rename(c.layout.snapshot_dir(a, sha('1')), aside);
    auto plan = maintenance::plan_remove(c.layout, a, std::nullopt);
    CHECK(plan.whole_repo);
    maintenance::execute_remove(c.layout, plan);
    CHECK_FALSE(fs::exists(c.layout.repo_dir(a)));
    (void)blob;
  }

  TEST_CASE("an aside folder of an rm at work is not finished by another") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "w", "bytes");
    auto aside = c.layout.repo_dir(a) / (".hfcache-deleting-" + sha('1') + "-0123abcd");
    fs::rename(c.layout.snapshot_dir(a, sha('1')), aside);
    core::RepoWriteLock other_rm(c.layout, a);
    CHECK_FALSE(maintenance::finish_interrupted_removals(c.layout, a, {aside}));
    CHECK(fs::exists(aside));
  }
}
