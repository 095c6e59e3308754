#include "index/index_migrations.hpp"

#include <array>

#include "index/sqlite_db.hpp"

namespace hfcache::index {
namespace {

// Unchanged since schema 1. repos.folder is the cache folder name (models--org--name): unique per
// (type, id), and the key pins and access use, without a foreign key on purpose, so they outlive a
// rebuild that renumbers repos or drops a revision for a moment.
constexpr const char* kMetaAndUsageTables = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE access(folder TEXT NOT NULL, commit_sha TEXT NOT NULL, last_access INTEGER NOT NULL,
                    PRIMARY KEY(folder, commit_sha)) WITHOUT ROWID;
CREATE TABLE pins(folder TEXT NOT NULL, commit_sha TEXT NOT NULL, pinned_at INTEGER NOT NULL,
                  PRIMARY KEY(folder, commit_sha)) WITHOUT ROWID;
)sql";

// Schema 3: what the folder scan fills, each row owned by its repo (deleting a repo row deletes
// its refs, revisions, files and blobs; deleting a revision its files).
constexpr const char* kScanTablesOfSchema3 = R"sql(
CREATE TABLE repos(id INTEGER PRIMARY KEY, type TEXT NOT NULL, repo_id TEXT NOT NULL, folder TEXT NOT NULL UNIQUE,
                   signature TEXT NOT NULL, size INTEGER NOT NULL, blob_count INTEGER NOT NULL,
                   last_modified INTEGER NOT NULL);
CREATE TABLE refs(repo INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE, name TEXT NOT NULL,
                  commit_sha TEXT NOT NULL, PRIMARY KEY(repo, name)) WITHOUT ROWID;
CREATE TABLE revisions(repo INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE, commit_sha TEXT NOT NULL,
                       files INTEGER NOT NULL, size INTEGER NOT NULL, last_modified INTEGER NOT NULL,
                       expected_files INTEGER, missing_files INTEGER NOT NULL,
                       PRIMARY KEY(repo, commit_sha)) WITHOUT ROWID;
CREATE TABLE files(repo INTEGER NOT NULL, commit_sha TEXT NOT NULL, path TEXT NOT NULL, blob TEXT NOT NULL,
                   size INTEGER NOT NULL, ok INTEGER NOT NULL, PRIMARY KEY(repo, commit_sha, path),
                   FOREIGN KEY(repo, commit_sha) REFERENCES revisions(repo, commit_sha) ON DELETE CASCADE) WITHOUT ROWID;
CREATE TABLE blobs(repo INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE, etag TEXT NOT NULL,
                   size INTEGER NOT NULL, PRIMARY KEY(repo, etag)) WITHOUT ROWID;
)sql";

// Schema 4: what hfcached's access control (common/access/) learnt from the upstream. repo_access:
// whether a repo is public, gated or private (a repo without a row counts as restricted).
// access_grants: per keyed hash of a client token (HMAC with the daemon's secret, never the token)
// and repo, the last decision and when the token was last granted (offline grace).
constexpr const char* kAccessTablesOfSchema4 = R"sql(
CREATE TABLE repo_access(folder TEXT PRIMARY KEY, restriction TEXT NOT NULL, learnt_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE access_grants(token_key TEXT NOT NULL, folder TEXT NOT NULL, granted INTEGER NOT NULL,
                           decided_at INTEGER NOT NULL, granted_at INTEGER,
                           PRIMARY KEY(token_key, folder)) WITHOUT ROWID;
)sql";

// 1 -> 2: schema-1 binaries stored a repo's last_modified as file_clock's epoch (a date in 2174);
// schema 2 stores its newest snapshot's, which the revisions rows already hold.
void repo_times_from_snapshots(Database& db) {
  db.exec("UPDATE repos SET last_modified = COALESCE((SELECT MAX(v.last_modified) FROM revisions v WHERE v.repo = repos.id), 0)");
}

// 2 -> 3: foreign keys on the scan tables. SQLite cannot add a constraint to a table, so each is
// rebuilt (its rows copied; rows whose owner is gone are dropped, they were unreachable anyway).
// The old tables are renamed first, so this also works on tables that already have the keys (a
// schema-2 binary that reset a schema-3 database for another cache root leaves them so).
void foreign_keys_on_scan_tables(Database& db) {
  db.exec(R"sql(
ALTER TABLE repos RENAME TO old_repos; ALTER TABLE refs RENAME TO old_refs;
ALTER TABLE revisions RENAME TO old_revisions; ALTER TABLE files RENAME TO old_files;
ALTER TABLE blobs RENAME TO old_blobs;
)sql");
  db.exec(kScanTablesOfSchema3);
  db.exec(R"sql(
INSERT INTO repos(id, type, repo_id, folder, signature, size, blob_count, last_modified)
  SELECT id, type, repo_id, folder, signature, size, blob_count, last_modified FROM old_repos;
INSERT INTO refs(repo, name, commit_sha)
  SELECT repo, name, commit_sha FROM old_refs WHERE repo IN (SELECT id FROM repos);
INSERT INTO revisions(repo, commit_sha, files, size, last_modified, expected_files, missing_files)
  SELECT repo, commit_sha, files, size, last_modified, expected_files, missing_files FROM old_revisions
  WHERE repo IN (SELECT id FROM repos);
INSERT INTO files(repo, commit_sha, path, blob, size, ok)
  SELECT f.repo, f.commit_sha, f.path, f.blob, f.size, f.ok FROM old_files f
  WHERE EXISTS (SELECT 1 FROM revisions v WHERE v.repo = f.repo AND v.commit_sha = f.commit_sha);
INSERT INTO blobs(repo, etag, size) SELECT repo, etag, size FROM old_blobs WHERE repo IN (SELECT id FROM repos);
DROP TABLE old_files; DROP TABLE old_blobs; DROP TABLE old_refs; DROP TABLE old_revisions; DROP TABLE old_repos;
)sql");
}

// 3 -> 4: the access tables, empty (every repo's status is learnt again from the upstream).
void access_tables(Database& db) { db.exec(kAccessTablesOfSchema4); }

const std::array<Migration, 3> kMigrations{{
    {1, "repo times from their snapshots", repo_times_from_snapshots},
    {2, "foreign keys on the scan tables", foreign_keys_on_scan_tables},
    {3, "access control tables", access_tables},
}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

void create_current_schema(Database& db) {
  db.exec(kMetaAndUsageTables);
  db.exec(kScanTablesOfSchema3);
  db.exec(kAccessTablesOfSchema4);
}

}  // namespace hfcache::index
