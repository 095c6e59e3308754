#pragma once
// The numbered upgrades of the index schema: step N turns a schema-N database into schema N+1,
// keeping what the folder cannot give back (pins and access times). Each is history: once
// released, a step never changes; a new schema adds a step (and its test with a verbatim fixture
// of the schema before it, tests/unit/index_migrations_test.cpp).
#include <span>

namespace hfcache::index {

class Database;

struct Migration {
  int from;                 // the schema it upgrades; it leaves the database at from + 1
  const char* what;         // for the error message when it fails
  void (*apply)(Database&);  // runs inside the caller's transaction, foreign keys off
};

// Every step from schema 1 up to kSchemaVersion, in order.
std::span<const Migration> migrations();

// Create the tables of the current schema in an empty database (inside the caller's transaction).
void create_current_schema(Database& db);

}  // namespace hfcache::index
