#pragma once
// A thin RAII layer over the SQLite3 C API: a connection with its cache of prepared statements,
// statements, and an IMMEDIATE transaction that rolls back unless committed. Errors become
// hfcache::Error naming the file. Not thread-safe: the owner serialises use of one connection.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hfcache::index {

class Database;

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  // True while a row is available; false when done.
  bool step();
  // Run to completion and make the statement ready for the next bindings.
  void run();
  // End the current run (and its read transaction) and clear the bindings.
  void reset();

  std::int64_t int64(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  friend class CachedStatement;
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool leased_ = false;  // held by a CachedStatement
};

// A statement of the connection's cache (Database::cached), prepared on first use and kept until
// the connection closes. Leaving the scope resets it, so an unfinished SELECT never keeps its read
// transaction open. One holder at a time: asking for a statement that is still held throws
// std::logic_error (two live uses of one query in one call chain are a programming error).
class CachedStatement {
 public:
  explicit CachedStatement(Statement& statement);
  ~CachedStatement();
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  Statement* operator->() const { return &statement_; }
  Statement& operator*() const { return statement_; }

 private:
  Statement& statement_;
};

class Database {
 public:
  explicit Database(const std::filesystem::path& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // `sql` prepared once per connection; see CachedStatement.
  CachedStatement cached(std::string_view sql);
  void exec(const std::string& sql);
  std::int64_t last_insert_rowid() const;
  std::int64_t pragma_int(const std::string& name);
  std::string pragma_text(const std::string& name);
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

class Transaction {
 public:
  explicit Transaction(Database& db);  // BEGIN IMMEDIATE: takes the write lock up front
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace hfcache::index
