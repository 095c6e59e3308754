#include <doctest/doctest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "index/cache_index.hpp"
#include "index_test_cache.hpp"

using namespace hfcache;
using namespace hfcache::test_support;
namespace fs = std::filesystem;

namespace {

index::CacheIndex open_index(const TestCache& c) {
  return index::CacheIndex(c.layout, index::CacheIndex::default_path(c.state));
}

const index::IndexedRevision* find_rev(const index::IndexedRepo& r, const std::string& commit) {
  for (const auto& v : r.revisions)
    if (v.commit == commit) return &v;
  return nullptr;
}

}  // namespace

TEST_SUITE("index_cache_index") {
  TEST_CASE("rebuild indexes repos, refs, revisions and distinct blob sizes as scan_cache_dir counts them") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "config.json", "{}");
    c.add_file(a, sha('1'), "sub/w.bin", "0123456789");
    c.add_file(a, sha('2'), "config.json", "{}");  // shared blob
    c.set_ref(a, "main", sha('2'));
    c.set_ref(a, "v1", sha('1'));
    auto idx = open_index(c);
    CHECK(idx.stale());
    CHECK(idx.rebuild() == 1);
    CHECK_FALSE(idx.stale());
    auto repos = idx.list_repos();
    REQUIRE(repos.size() == 1);
    CHECK(repos[0].repo.id == "org/a");
    CHECK(repos[0].size == 12);
    CHECK(repos[0].blob_count == 2);
    CHECK(repos[0].refs.at("main") == sha('2'));
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(repos[0].last_modified > now - 60);
    CHECK(repos[0].last_modified <= now + 1);
    REQUIRE(repos[0].revisions.size() == 2);
    CHECK(repos[0].revisions[0].file_list.empty());
    auto full = idx.repo(a, true);
    REQUIRE(full);
    auto* r1 = find_rev(*full, sha('1'));
    REQUIRE(r1);
    CHECK(r1->files == 2);
    CHECK(r1->size == 12);
    CHECK(r1->refs == std::vector<std::string>{"v1"});
    REQUIRE(r1->file_list.size() == 2);
    CHECK(r1->file_list[1].path == "sub/w.bin");
    CHECK(r1->file_list[1].size == 10);
    CHECK(r1->file_list[1].blob == util::git_blob_sha1_hex("0123456789"));
    CHECK_FALSE(idx.repo(TestCache::model("org/none"), false));
  }

  TEST_CASE("the database is in WAL mode, versioned, and outside the cache folder") {
    TestCache c;
    auto idx = open_index(c);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(index::CacheIndex::default_path(c.state).c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
    sqlite3_finalize(st);
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) >= 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK_FALSE(fs::exists(c.root / "index.sqlite"));
  }

  TEST_CASE("stale() sees a new repo, a new revision, a moved ref and a vanished repo; refresh_stale catches up") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "f", "x");
    c.set_ref(a, "main", sha('1'));
    auto idx = open_index(c);
    idx.rebuild();
    CHECK_FALSE(idx.stale());

    TestCache::tick();
    auto b = TestCache::model("org/b");
    c.add_file(b, sha('3'), "f", "y");
    CHECK(idx.stale());
    idx.refresh_stale();
    CHECK_FALSE(idx.stale());
    CHECK(idx.list_repos().size() == 2);

    TestCache::tick();
    c.add_file(a, sha('2'), "f", "z");
    CHECK(idx.stale());
    idx.refresh_stale();
    CHECK(idx.repo(a, false)->revisions.size() == 2);

    TestCache::tick();
    c.set_ref(a, "main", sha('2'));  // rewritten in place, as huggingface_hub does
    CHECK(idx.stale());
    idx.refresh_stale();
    CHECK(idx.repo(a, false)->refs.at("main") == sha('2'));

    TestCache::tick();
    fs::remove_all(c.layout.repo_dir(b));
    CHECK(idx.stale());
    idx.refresh_stale();
    CHECK_FALSE(idx.stale());
    CHECK(idx.list_repos().size() == 1);
  }

  TEST_CASE("reading files does not make the index stale") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "f", "x");
    auto idx = open_index(c);
    idx.rebuild();
    std::ifstream(c.layout.snapshot_file(a, sha('1'), "f")).get();
    CHECK_FALSE(idx.stale());
  }

  TEST_CASE("pins and access times survive a rebuild for revisions that still exist, and go with the revision") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "f", "x");
    c.add_file(a, sha('2'), "f", "y");
    {
      auto idx = open_index(c);
      idx.rebuild();
      idx.set_pinned(a, sha('1'), true);
      idx.set_pinned(a, sha('2'), true);
      idx.touch(a, sha('1'));
    }
    auto idx = open_index(c);  // a second process sees the same
    CHECK(idx.is_pinned(a, sha('1')));
    fs::remove_all(c.layout.snapshot_dir(a, sha('2')));
    idx.rebuild();
    CHECK(idx.is_pinned(a, sha('1')));
    CHECK_FALSE(idx.is_pinned(a, sha('2')));
    auto r = idx.repo(a, false);
    REQUIRE(r);
    REQUIRE(r->revisions.size() == 1);
    CHECK(r->revisions[0].pinned);
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(r->revisions[0].last_access >= now - 5);
    idx.set_pinned(a, sha('1'), false);
    CHECK_FALSE(idx.is_pinned(a, sha('1')));
    CHECK_THROWS_AS(idx.set_pinned(a, sha('9'), true), NotFoundError);
  }

  TEST_CASE("a database made for another cache folder is reset") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "f", "x");
    {
      auto idx = open_index(c);
      idx.rebuild();
      idx.set_pinned(a, sha('1'), true);
    }
    TempDir other;
    index::CacheIndex idx(core::CacheLayout(other.path), index::CacheIndex::default_path(c.state));
    CHECK(idx.list_repos().empty());
    CHECK_FALSE(idx.is_pinned(a, sha('1')));
    CHECK(idx.stale());  // never indexed for this folder
  }

  TEST_CASE("refresh_repo drops a repo whose folder is gone") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "f", "x");
    auto idx = open_index(c);
    idx.rebuild();
    CHECK(idx.repo_count() == 1);
    CHECK(idx.total_size() == 1);
    fs::remove_all(c.layout.repo_dir(a));
    idx.refresh_repo(a);
    CHECK(idx.repo_count() == 0);
  }

  TEST_CASE("concurrent readers never see a half-written rebuild") {
    TestCache c;
    for (int r = 0; r < 5; ++r) {
      auto repo = TestCache::model("org/r" + std::to_string(r));
      for (int f = 0; f < 20; ++f) c.add_file(repo, sha('1'), "f" + std::to_string(f), std::to_string(r * 100 + f));
    }
    auto idx = open_index(c);
    idx.rebuild();
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0}, reads{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t)
      readers.emplace_back([&] {
        while (!stop) {
          auto repos = idx.list_repos();
          std::size_t files = 0;
          for (const auto& r : repos)
            for (const auto& v : r.revisions) files += v.files;
          if (repos.size() != 5 || files != 100) ++bad;
          ++reads;
        }
      });
    // A second connection (as another process would) rebuilding at the same time.
    auto other = open_index(c);
    for (int i = 0; i < 10; ++i) {
      idx.rebuild();
      other.rebuild();
    }
    stop = true;
    for (auto& t : readers) t.join();
    CHECK(bad == 0);
    CHECK(reads > 0);
  }
}

TEST_SUITE("index_cache_index") {
  TEST_CASE("a file that is not a database is replaced, not a failure of every command") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "f", "x");
    write_file(index::CacheIndex::default_path(c.state), std::string(5000, 'g'));
    auto idx = open_index(c);
    idx.refresh_stale();
    CHECK(idx.repo_count() == 1);
  }
}
