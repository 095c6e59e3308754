#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "index/cache_index.hpp"
#include "index/index_migrations.hpp"
#include "index/index_schema.hpp"
#include "index/sqlite_db.hpp"
#include "index_schema_fixtures.hpp"
#include "index_test_cache.hpp"

using namespace hfcache;
using namespace hfcache::test_support;
namespace fs = std::filesystem;

namespace {

std::int64_t value_of(index::Database& db, const std::string& sql) {
  index::Statement s(db, sql);
  REQUIRE(s.step());
  return s.int64(0);
}

std::string text_of(index::Database& db, const std::string& sql) {
  index::Statement s(db, sql);
  return s.step() ? s.text(0) : std::string("<no row>");
}

std::int64_t rows(index::Database& db, const std::string& table) { return value_of(db, "SELECT COUNT(*) FROM " + table); }

// Every table's SQL with runs of white space folded, by name: equal schemas whatever the layout.
std::string schema_of(index::Database& db) {
  std::string out;
  index::Statement s(db, "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name");
  while (s.step()) {
    std::string folded;
    for (char ch : s.text(1)) {
      bool space = std::isspace(static_cast<unsigned char>(ch)) != 0;
      if (space && (folded.empty() || folded.back() == ' ' || folded.back() == '(')) continue;
      if (ch == ')' && !folded.empty() && folded.back() == ' ') folded.pop_back();
      folded += space ? ' ' : ch;
    }
    out += s.text(0) + ": " + folded + "\n";
  }
  return out;
}

void apply_step(index::Database& db, int from) {
  auto steps = index::migrations();
  auto step = std::find_if(steps.begin(), steps.end(), [&](const index::Migration& m) { return m.from == from; });
  REQUIRE(step != steps.end());
  index::Transaction tx(db);
  step->apply(db);
  tx.commit();
}

std::string cache_root_key(const fs::path& root) { return fs::weakly_canonical(fs::absolute(root)).lexically_normal().generic_string(); }

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The cache folder the legacy rows describe: org/a with commits one and two, main at two.
struct LegacyCache {
  TestCache cache;
  core::RepoRef repo = TestCache::model("org/a");
  LegacyRows rows{sha('1'), sha('2')};
  fs::path db_path = index::CacheIndex::default_path(cache.state);
  LegacyCache() {
    cache.add_file(repo, rows.one, "f", "x");
    cache.add_file(repo, rows.two, "f", "y");
    cache.set_ref(repo, "main", rows.two);
  }
  index::CacheIndex open() const { return index::CacheIndex(cache.layout, db_path); }
};

const index::IndexedRevision& revision(const index::IndexedRepo& r, const std::string& commit) {
  auto it = std::find_if(r.revisions.begin(), r.revisions.end(), [&](const auto& v) { return v.commit == commit; });
  REQUIRE(it != r.revisions.end());
  return *it;
}

}  // namespace

TEST_SUITE("index_migrations") {
  TEST_CASE("step 1 -> 2 takes each repo's time from its newest snapshot and keeps pins and access times") {
    TempDir dir;
    LegacyRows legacy{sha('1'), sha('2')};
    write_legacy_database(dir.path / "i.sqlite", 1, "/c", legacy);
    index::Database db(dir.path / "i.sqlite");
    apply_step(db, 1);
    CHECK(value_of(db, "SELECT last_modified FROM repos WHERE id=7") == legacy.snapshot_time);
    CHECK(value_of(db, "SELECT last_access FROM access") == legacy.access_time);
    CHECK(value_of(db, "SELECT pinned_at FROM pins") == legacy.pinned_at);
    CHECK(text_of(db, "SELECT commit_sha FROM pins") == legacy.one);
    CHECK(rows(db, "files") == 2);
  }

  TEST_CASE("step 2 -> 3 declares the foreign keys, keeps every owned row, pins and access times, drops orphans") {
    TempDir dir;
    LegacyRows legacy{sha('1'), sha('2')};
    write_legacy_database(dir.path / "i.sqlite", 2, "/c", legacy);
    index::Database db(dir.path / "i.sqlite");
    db.exec("INSERT INTO files VALUES(7, '" + sha('9') + "', 'f', 'b', 1, 1); INSERT INTO refs VALUES(8, 'main', 'x')");
    apply_step(db, 2);
    CHECK(rows(db, "repos") == 1);
    CHECK(rows(db, "refs") == 1);
    CHECK(rows(db, "revisions") == 2);
    CHECK(rows(db, "files") == 2);  // the file of a revision that does not exist went
    CHECK(rows(db, "blobs") == 2);
    CHECK(value_of(db, "SELECT id FROM repos WHERE folder='models--org--a'") == 7);
    CHECK(value_of(db, "SELECT last_access FROM access") == legacy.access_time);
    CHECK(value_of(db, "SELECT pinned_at FROM pins") == legacy.pinned_at);
    CHECK(value_of(db, "SELECT COUNT(*) FROM pragma_foreign_key_list('files') WHERE \"table\"='revisions'") == 2);
    for (const char* t : {"refs", "revisions", "blobs"})
      CHECK(text_of(db, std::string("SELECT on_delete FROM pragma_foreign_key_list('") + t + "')") == "CASCADE");
    CHECK(rows(db, "sqlite_master WHERE name LIKE 'old_%'") == 0);
    db.exec("PRAGMA foreign_keys=ON; DELETE FROM repos WHERE id=7");
    CHECK(rows(db, "files") == 0);
    CHECK(rows(db, "pins") == 1);  // the user's word outlives the scan rows
  }

  TEST_CASE("step 3 -> 4 adds the empty access tables and keeps pins and access times") {
    TempDir dir;
    LegacyRows legacy{sha('1'), sha('2')};
    write_legacy_database(dir.path / "i.sqlite", 2, "/c", legacy);
    index::Database db(dir.path / "i.sqlite");
    apply_step(db, 2);
    CHECK(rows(db, "sqlite_master WHERE name='repo_access'") == 0);
    apply_step(db, 3);
    CHECK(rows(db, "repo_access") == 0);
    CHECK(rows(db, "access_grants") == 0);
    CHECK(value_of(db, "SELECT pinned_at FROM pins") == legacy.pinned_at);
    CHECK(value_of(db, "SELECT last_access FROM access") == legacy.access_time);
  }

  TEST_CASE("step 2 -> 3 also works on schema-3 tables a schema-2 binary reset for another cache folder") {
    TempDir dir;
    {
      TestCache c;
      index::CacheIndex fresh(c.layout, dir.path / "i.sqlite");
    }
    index::Database db(dir.path / "i.sqlite");
    db.exec("DELETE FROM meta; INSERT INTO meta(key, value) VALUES('cache_root', '/other')");  // what schema 2's kClear left
    CHECK(index::read_schema_version(db).version == 2);
    apply_step(db, 2);
    CHECK(value_of(db, "SELECT COUNT(*) FROM pragma_foreign_key_list('refs')") == 1);
  }

  TEST_CASE("a database written by schema 2 with pins and access times, opened by this binary, keeps them") {
    LegacyCache c;
    write_legacy_database(c.db_path, 2, cache_root_key(c.cache.root), c.rows);
    auto idx = c.open();
    CHECK(idx.is_pinned(c.repo, c.rows.one));
    idx.refresh_stale();  // the stored signature is stale: the repo is rescanned
    auto r = idx.repo(c.repo, true);
    REQUIRE(r);
    CHECK(revision(*r, c.rows.one).pinned);
    CHECK(revision(*r, c.rows.one).last_access == c.rows.access_time);
    CHECK_FALSE(revision(*r, c.rows.two).pinned);
    CHECK(r->refs.at("main") == c.rows.two);
    index::Database db(c.db_path);
    auto v = index::read_schema_version(db);
    CHECK(v.version == index::kSchemaVersion);
    CHECK(v.compatible_version == index::kCompatibleVersion);
    CHECK(db.pragma_int("user_version") == 2);
  }

  TEST_CASE("a database written by schema 1 is upgraded through every step, its pins and access times kept") {
    LegacyCache c;
    write_legacy_database(c.db_path, 1, cache_root_key(c.cache.root), c.rows);
    auto idx = c.open();
    auto listed = idx.list_repos();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].last_modified == c.rows.snapshot_time);  // no longer 2174
    CHECK(revision(listed[0], c.rows.one).pinned);
    CHECK(revision(listed[0], c.rows.one).last_access == c.rows.access_time);
    index::Database db(c.db_path);
    CHECK(index::read_schema_version(db).version == index::kSchemaVersion);
  }

  TEST_CASE("a database upgraded from schema 1 has exactly the tables of a new one") {
    TempDir dir;
    write_legacy_database(dir.path / "old.sqlite", 1, "/c", LegacyRows{sha('1'), sha('2')});
    TestCache c;
    { index::CacheIndex upgraded(c.layout, dir.path / "old.sqlite"); }
    { index::CacheIndex fresh(c.layout, dir.path / "new.sqlite"); }
    index::Database old_db(dir.path / "old.sqlite"), new_db(dir.path / "new.sqlite");
    CHECK(schema_of(old_db) == schema_of(new_db));
    CHECK(schema_of(new_db).find("REFERENCES revisions(repo, commit_sha) ON DELETE CASCADE") != std::string::npos);
  }

  TEST_CASE("a database that needs a newer hfcache is refused, named, and left byte for byte as it was") {
    LegacyCache c;
    { c.open().rebuild(); }
    {
      index::Database db(c.db_path);
      db.exec("PRAGMA journal_mode=DELETE");  // no -wal file that closing could fold in
      // What a schema-9 binary that schema-3 code cannot use would write.
      db.exec("INSERT OR REPLACE INTO meta(key, value) VALUES('version', '9'), ('last_compatible_version', '9')");
      db.exec("PRAGMA user_version=9");
    }
    auto before = file_bytes(c.db_path);
    REQUIRE_FALSE(before.empty());
    try {
      c.open();
      FAIL("a schema-9 database was opened");
    } catch (const Error& e) {
      std::string what = e.what();
      CHECK(what.find(c.db_path.string()) != std::string::npos);
      CHECK(what.find("newer hfcache") != std::string::npos);
      CHECK(what.find("schema version 9") != std::string::npos);
      CHECK(std::string(e.hint()).find("state_dir") != std::string::npos);
    }
    CHECK(file_bytes(c.db_path) == before);
    CHECK_FALSE(fs::exists(c.db_path.string() + "-wal"));
  }

  TEST_CASE("a newer database that says this schema may use it is used, and keeps its version") {
    LegacyCache c;
    { c.open().rebuild(); }
    {
      index::Database db(c.db_path);
      db.exec("UPDATE meta SET value=CASE key WHEN 'version' THEN '4' ELSE '3' END "
              "WHERE key IN ('version', 'last_compatible_version')");
    }
    auto idx = c.open();
    idx.set_pinned(c.repo, c.rows.one, true);
    CHECK(idx.list_repos().size() == 1);
    index::Database db(c.db_path);
    CHECK(index::read_schema_version(db).version == 4);
  }

  TEST_CASE("a step that fails changes nothing: the database stays at its version, rows and all") {
    LegacyCache c;
    std::string broken = kSchema1And2Tables;
    auto at = broken.find(", ok INTEGER NOT NULL");  // a files table without `ok`: the copy of step 2 fails
    REQUIRE(at != std::string::npos);
    broken.erase(at, std::string(", ok INTEGER NOT NULL").size());
    fs::create_directories(c.db_path.parent_path());
    {
      index::Database db(c.db_path);
      db.exec(broken);
      db.exec("PRAGMA user_version=2; INSERT INTO repos VALUES(7, 'model', 'org/a', 'models--org--a', 's', 2, 2, 0)");
      db.exec("INSERT INTO pins VALUES('models--org--a', '" + c.rows.one + "', 1)");
    }
    try {
      c.open();
      FAIL("the upgrade did not fail");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("from schema version 2") != std::string::npos);
      CHECK(std::string(e.what()).find(c.db_path.string()) != std::string::npos);
    }
    index::Database db(c.db_path);
    CHECK(index::read_schema_version(db).version == 2);
    CHECK(rows(db, "repos") == 1);
    CHECK(rows(db, "pins") == 1);
    CHECK(rows(db, "sqlite_master WHERE name LIKE 'old_%'") == 0);
  }

  TEST_CASE("a database of this schema stays usable by a schema-2 binary (a downgrade keeps the pins)") {
    LegacyCache c;
    {
      auto idx = c.open();
      idx.rebuild();
      idx.set_pinned(c.repo, c.rows.one, true);
    }
    index::Database db(c.db_path);  // foreign keys off, as schema-2 binaries leave them
    CHECK(db.pragma_int("user_version") == 2);  // what they check before using it, else they drop it
    CHECK(text_of(db, kSchema2OpenCheck) == cache_root_key(c.cache.root));
    auto id = value_of(db, "SELECT id FROM repos");
    index::Transaction tx(db);
    for (const char* sql : kSchema2DeleteRepo) index::Statement(db, sql).bind(1, id).run();
    index::Statement(db, kSchema2InsertRepo)
        .bind(1, std::string_view("model")).bind(2, std::string_view("org/a")).bind(3, std::string_view("models--org--a"))
        .bind(4, std::string_view("s")).bind(5, std::int64_t{2}).bind(6, std::int64_t{2}).bind(7, std::int64_t{0}).run();
    auto new_id = db.last_insert_rowid();
    index::Statement(db, kSchema2InsertRef).bind(1, new_id).bind(2, std::string_view("main")).bind(3, c.rows.two).run();
    index::Statement(db, kSchema2InsertRevision)
        .bind(1, new_id).bind(2, c.rows.one).bind(3, std::int64_t{1}).bind(4, std::int64_t{1}).bind(5, std::int64_t{0})
        .bind(7, std::int64_t{0}).run();
    index::Statement(db, kSchema2InsertFile)
        .bind(1, new_id).bind(2, c.rows.one).bind(3, std::string_view("f")).bind(4, std::string_view("b"))
        .bind(5, std::int64_t{1}).bind(6, std::int64_t{1}).run();
    index::Statement(db, kSchema2InsertBlob).bind(1, new_id).bind(2, std::string_view("b")).bind(3, std::int64_t{1}).run();
    tx.commit();
    CHECK(rows(db, "pins") == 1);
    index::Statement check(db, "PRAGMA foreign_key_check");
    CHECK_FALSE(check.step());
  }
}
