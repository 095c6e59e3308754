#pragma once
// The index's tables, versioned by PRAGMA user_version: a database of another version is dropped
// and recreated (everything in it but pins and access times is re-derivable from the folder).
#include <string>

namespace hfcache::index {

class Database;

inline constexpr int kSchemaVersion = 2;

// Create the tables (or recreate them for another version) and reset the content when the
// database was made for another cache root. Sets WAL mode and synchronous=NORMAL.
void prepare_schema(Database& db, const std::string& cache_root);

}  // namespace hfcache::index
