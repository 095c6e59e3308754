#pragma once
// Index databases as released binaries wrote them, for the migration tests. The SQL is copied
// verbatim from the code that shipped it (git history of common/index/index_schema.cpp and
// cache_index.cpp) and must never be edited: it is what is on users' disks.
#include <cstdint>
#include <filesystem>
#include <string>

#include "index/sqlite_db.hpp"

namespace hfcache::test_support {

// index_schema.cpp kCreate, schema 1 (commit e69235d) and schema 2 (35f4467 bumped only the number:
// the tables are the same, repos.last_modified held file_clock's epoch under schema 1).
inline constexpr const char* kSchema1And2Tables = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE repos(id INTEGER PRIMARY KEY, type TEXT NOT NULL, repo_id TEXT NOT NULL, folder TEXT NOT NULL UNIQUE,
                   signature TEXT NOT NULL, size INTEGER NOT NULL, blob_count INTEGER NOT NULL,
                   last_modified INTEGER NOT NULL);
CREATE TABLE refs(repo INTEGER NOT NULL, name TEXT NOT NULL, commit_sha TEXT NOT NULL, PRIMARY KEY(repo, name)) WITHOUT ROWID;
CREATE TABLE revisions(repo INTEGER NOT NULL, commit_sha TEXT NOT NULL, files INTEGER NOT NULL, size INTEGER NOT NULL,
                       last_modified INTEGER NOT NULL, expected_files INTEGER, missing_files INTEGER NOT NULL,
                       PRIMARY KEY(repo, commit_sha)) WITHOUT ROWID;
CREATE TABLE files(repo INTEGER NOT NULL, commit_sha TEXT NOT NULL, path TEXT NOT NULL, blob TEXT NOT NULL,
                   size INTEGER NOT NULL, ok INTEGER NOT NULL, PRIMARY KEY(repo, commit_sha, path)) WITHOUT ROWID;
CREATE TABLE blobs(repo INTEGER NOT NULL, etag TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(repo, etag)) WITHOUT ROWID;
CREATE TABLE access(folder TEXT NOT NULL, commit_sha TEXT NOT NULL, last_access INTEGER NOT NULL,
                    PRIMARY KEY(folder, commit_sha)) WITHOUT ROWID;
CREATE TABLE pins(folder TEXT NOT NULL, commit_sha TEXT NOT NULL, pinned_at INTEGER NOT NULL,
                  PRIMARY KEY(folder, commit_sha)) WITHOUT ROWID;
)sql";

// What a schema-2 binary runs on every database it opens (prepare_schema, then the writes of
// cache_index.cpp at 35f4467), in its order: it never turns foreign keys on.
inline constexpr const char* kSchema2OpenCheck = "SELECT value FROM meta WHERE key='cache_root'";
inline constexpr const char* kSchema2DeleteRepo[] = {
    "DELETE FROM refs WHERE repo=?", "DELETE FROM revisions WHERE repo=?", "DELETE FROM files WHERE repo=?",
    "DELETE FROM blobs WHERE repo=?", "DELETE FROM repos WHERE id=?"};
inline constexpr const char* kSchema2InsertRepo =
    "INSERT INTO repos(type, repo_id, folder, signature, size, blob_count, last_modified) VALUES(?,?,?,?,?,?,?)";
inline constexpr const char* kSchema2InsertRef = "INSERT INTO refs(repo, name, commit_sha) VALUES(?,?,?)";
inline constexpr const char* kSchema2InsertRevision =
    "INSERT INTO revisions(repo, commit_sha, files, size, last_modified, expected_files, missing_files) "
    "VALUES(?,?,?,?,?,?,?)";
inline constexpr const char* kSchema2InsertFile =
    "INSERT OR REPLACE INTO files(repo, commit_sha, path, blob, size, ok) VALUES(?,?,?,?,?,?)";
inline constexpr const char* kSchema2InsertBlob = "INSERT OR IGNORE INTO blobs(repo, etag, size) VALUES(?,?,?)";

// One repo (org/a, folder models--org--a, id 7) with two revisions, commit `one` pinned and
// accessed, as a schema-1/2 binary would have stored it; `bogus_repo_time` is the repo's
// last_modified (schema 1 stored a date in 2174 there).
struct LegacyRows {
  std::string one, two;                        // commits
  std::int64_t snapshot_time = 1700000000;     // both revisions' last_modified
  std::int64_t bogus_repo_time = 6500000000;   // schema 1's repos.last_modified
  std::int64_t access_time = 4102444800;       // 2100-01-01: later than any snapshot
  std::int64_t pinned_at = 1700000100;
};

inline void write_legacy_database(const std::filesystem::path& path, int user_version, const std::string& cache_root,
                                  const LegacyRows& rows, const char* tables = kSchema1And2Tables) {
  std::filesystem::create_directories(path.parent_path());
  index::Database db(path);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(tables);
  db.exec("PRAGMA user_version=" + std::to_string(user_version));
  auto sql = [&](const std::string& s) { db.exec(s); };
  sql("INSERT INTO meta(key, value) VALUES('cache_root', '" + cache_root + "'), ('indexed_at', '1700000200')");
  sql("INSERT INTO repos VALUES(7, 'model', 'org/a', 'models--org--a', 'old-signature', 2, 2, " +
      std::to_string(rows.bogus_repo_time) + ")");
  sql("INSERT INTO refs VALUES(7, 'main', '" + rows.two + "')");
  for (const auto& c : {rows.one, rows.two})
    sql("INSERT INTO revisions VALUES(7, '" + c + "', 1, 1, " + std::to_string(rows.snapshot_time) + ", NULL, 0)");
  sql("INSERT INTO files VALUES(7, '" + rows.one + "', 'f', 'blob-one', 1, 1), (7, '" + rows.two + "', 'f', 'blob-two', 1, 1)");
  sql("INSERT INTO blobs VALUES(7, 'blob-one', 1), (7, 'blob-two', 1)");
  sql("INSERT INTO access VALUES('models--org--a', '" + rows.one + "', " + std::to_string(rows.access_time) + ")");
  sql("INSERT INTO pins VALUES('models--org--a', '" + rows.one + "', " + std::to_string(rows.pinned_at) + ")");
}

}  // namespace hfcache::test_support
