#include "index/index_schema.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "index/index_migrations.hpp"
#include "index/sqlite_db.hpp"

namespace hfcache::index {
namespace {

// What schema-1/2 binaries read: they use a database whose user_version is 2 and drop every table
// of any other. Kept at 2 while those binaries can use the tables, so a downgrade keeps the pins.
constexpr int kUserVersionForOldBinaries = 2;
// The first schema whose version is in the meta table.
constexpr int kFirstMetaVersion = 3;
static_assert(kCompatibleVersion <= kUserVersionForOldBinaries,
              "schema-2 binaries can no longer use the tables: write user_version = kSchemaVersion instead, "
              "so that they rebuild the database rather than misread it");

bool has_table(Database& db, const char* name) {
  Statement s(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
  s.bind(1, std::string_view(name));
  return s.step();
}

std::string describe(SchemaVersion v) {
  return "schema version " + std::to_string(v.version) + ", which needs hfcache for schema " +
         std::to_string(v.compatible_version) + " or newer";
}

void refuse_if_too_new(const Database& db, SchemaVersion found) {
  if (found.compatible_version <= kSchemaVersion) return;
  throw Error(ExitCode::failure,
              "the index database " + db.path().string() + " was written by a newer hfcache (" + describe(found) +
                  "); this one understands schema versions up to " + std::to_string(kSchemaVersion) +
                  " and leaves the file as it is",
              "run the newer hfcache, or give this one another state_dir; deleting the file makes it rebuild the index "
              "from the cache folder, but loses pins and access times");
}

// What a database made for another cache root is reset to: empty, its schema version kept.
constexpr const char* kClearContent = R"sql(
DELETE FROM files; DELETE FROM blobs; DELETE FROM refs; DELETE FROM revisions; DELETE FROM repos;
DELETE FROM access; DELETE FROM pins; DELETE FROM repo_access; DELETE FROM access_grants; DELETE FROM meta WHERE key NOT IN ('version', 'last_compatible_version');
)sql";

// Run the steps from the database's version to ours, each in its own transaction, re-reading the
// version under the write lock (another process may be upgrading the same file right now).
void upgrade(Database& db) {
  // Off while tables are rebuilt (a DROP would cascade); it is a no-op inside a transaction.
  db.exec("PRAGMA foreign_keys=OFF");
  for (;;) {
    Transaction tx(db);
    auto now = read_schema_version(db);
    refuse_if_too_new(db, now);
    if (now.version >= kSchemaVersion) return;
    if (now.version == 0) {
      create_current_schema(db);
      write_schema_version(db, {kSchemaVersion, kCompatibleVersion});
    } else {
      auto steps = migrations();
      auto step = std::find_if(steps.begin(), steps.end(), [&](const Migration& m) { return m.from == now.version; });
      if (step == steps.end())
        throw Error(ExitCode::failure,
                    "the index database " + db.path().string() + " has schema version " + std::to_string(now.version) +
                        ", which no hfcache release wrote",
                    "delete the file to have the index rebuilt from the cache folder (pins and access times are lost)");
      try {
        step->apply(db);
      } catch (const Error& e) {
        throw Error(e.code(),
                    "upgrading the index from schema version " + std::to_string(step->from) + " (" + step->what +
                        ") failed, nothing was changed: " + e.what(),
                    "delete the file to have the index rebuilt from the cache folder (pins and access times are lost)");
      }
      bool last = step->from + 1 == kSchemaVersion;
      write_schema_version(db, {step->from + 1, last ? kCompatibleVersion : step->from + 1});
    }
    Statement check(db, "PRAGMA foreign_key_check");
    if (check.step()) db.fail("rows without their owner after the upgrade");
    tx.commit();
  }
}

}  // namespace

SchemaVersion read_schema_version(Database& db) {
  auto user_version = static_cast<int>(db.pragma_int("user_version"));
  SchemaVersion legacy{user_version, user_version};
  if (!has_table(db, "meta")) return legacy;
  Statement s(db, "SELECT key, CAST(value AS INTEGER) FROM meta WHERE key IN ('version', 'last_compatible_version')");
  SchemaVersion v{-1, -1};
  while (s.step()) (s.text(0) == "version" ? v.version : v.compatible_version) = static_cast<int>(s.int64(1));
  if (v.version < 0) return legacy;
  if (v.compatible_version < 0) v.compatible_version = v.version;
  return v;
}

void write_schema_version(Database& db, SchemaVersion version) {
  if (version.version >= kFirstMetaVersion) {
    Statement put(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('version', ?1), ('last_compatible_version', ?2)");
    put.bind(1, std::to_string(version.version)).bind(2, std::to_string(version.compatible_version)).run();
  }
  db.exec("PRAGMA user_version=" + std::to_string(std::min(version.version, kUserVersionForOldBinaries)));
}

void prepare_schema(Database& db, const std::string& cache_root) {
  // Read before anything writes: a refused database stays byte for byte as it was.
  refuse_if_too_new(db, read_schema_version(db));
  // WAL: readers (ls, the daemon's GETs) never wait for a writer; NORMAL is durable enough for data
  // that can be rebuilt from the folder.
  db.pragma_text("journal_mode=WAL");
  db.exec("PRAGMA synchronous=NORMAL");
  if (read_schema_version(db).version < kSchemaVersion) upgrade(db);
  db.exec("PRAGMA foreign_keys=ON");

  auto same_root = [&] {
    Statement root(db, "SELECT value FROM meta WHERE key='cache_root'");
    return root.step() && root.text(0) == cache_root;
  };
  if (same_root()) return;
  Transaction tx(db);
  if (!same_root()) {  // re-checked under the write lock: another process may have just done this
    db.exec(kClearContent);
    Statement put(db, "INSERT INTO meta(key, value) VALUES('cache_root', ?)");
    put.bind(1, cache_root).run();
  }
  tx.commit();
}

}  // namespace hfcache::index
