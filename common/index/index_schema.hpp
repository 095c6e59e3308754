#pragma once
// The index's schema version, kept as Chromium's sql::MetaTable keeps it: the meta table's keys
// `version` (the schema the tables have) and `last_compatible_version` (the oldest schema whose
// code may still read and write them). Databases of schema 1 and 2 predate those keys and carry
// their version in PRAGMA user_version only. Upgrades run the numbered migrations of
// index_migrations.hpp; a database that needs a newer binary is refused and left untouched.
#include <string>

namespace hfcache::index {

class Database;

inline constexpr int kSchemaVersion = 4;
// Schema-2 binaries use a schema-3 database correctly (same columns; they do not turn foreign
// keys on and delete child rows themselves), so a downgrade keeps the pins.
inline constexpr int kCompatibleVersion = 2;

struct SchemaVersion {
  int version = 0;             // 0: an empty database, no tables yet
  int compatible_version = 0;  // code of this schema or newer may use it
};

// What the database says it holds. Reads only.
SchemaVersion read_schema_version(Database& db);
// Record `version` in the meta table (and in user_version, which schema-1/2 binaries read).
void write_schema_version(Database& db, SchemaVersion version);

// Bring the database to kSchemaVersion (creating the tables, or migrating them step by step, each
// step in one transaction) and reset its content when it was made for another cache root. Sets WAL
// mode, synchronous=NORMAL and foreign_keys=ON. Throws Error naming the file, and changes nothing,
// when the database needs a newer hfcache.
void prepare_schema(Database& db, const std::string& cache_root);

}  // namespace hfcache::index
