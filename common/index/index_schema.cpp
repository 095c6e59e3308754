#include "index/index_schema.hpp"

#include "index/sqlite_db.hpp"

namespace hfcache::index {
namespace {

// repos.folder is the cache folder name (models--org--name): unique per (type, id), and the key
// pins and access use so they survive a rebuild that renumbers repos.
constexpr const char* kCreate = R"sql(
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

constexpr const char* kDrop = R"sql(
DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS repos; DROP TABLE IF EXISTS refs; DROP TABLE IF EXISTS revisions;
DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS blobs; DROP TABLE IF EXISTS access; DROP TABLE IF EXISTS pins;
)sql";

constexpr const char* kClear = R"sql(
DELETE FROM meta; DELETE FROM repos; DELETE FROM refs; DELETE FROM revisions; DELETE FROM files;
DELETE FROM blobs; DELETE FROM access; DELETE FROM pins;
)sql";

}  // namespace

void prepare_schema(Database& db, const std::string& cache_root) {
  // WAL: readers (ls, the daemon's GETs) never wait for a writer; NORMAL is durable enough for data
  // that can be rebuilt from the folder.
  db.pragma_text("journal_mode=WAL");
  db.exec("PRAGMA synchronous=NORMAL");
  if (db.pragma_int("user_version") == kSchemaVersion) {
    Statement root(db, "SELECT value FROM meta WHERE key='cache_root'");
    if (root.step() && root.text(0) == cache_root) return;
  }
  Transaction tx(db);
  // Re-check under the write lock: another process may have just done this.
  if (db.pragma_int("user_version") != kSchemaVersion) {
    db.exec(kDrop);
    db.exec(kCreate);
    db.exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  }
  Statement root(db, "SELECT value FROM meta WHERE key='cache_root'");
  bool same = root.step() && root.text(0) == cache_root;
  root.reset();
  if (!same) {
    db.exec(kClear);
    Statement put(db, "INSERT INTO meta(key, value) VALUES('cache_root', ?)");
    put.bind(1, cache_root).run();
  }
  tx.commit();
}

}  // namespace hfcache::index
