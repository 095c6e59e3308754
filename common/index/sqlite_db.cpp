#include "index/sqlite_db.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "core/errors.hpp"

namespace hfcache::index {

namespace {
constexpr int kBusyTimeoutMs = 15000;  // another process rebuilding a big index holds the write lock
}

Database::Database(const std::filesystem::path& path) : path_(path) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ExitCode::failure, "cannot open the index database " + path.string() + ": " + msg,
                "check that its folder is writable (state_dir in the config)");
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  statements_.clear();  // finalized before the connection closes
  sqlite3_close_v2(db_);
}

CachedStatement Database::cached(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) it = statements_.emplace(std::string(sql), std::make_unique<Statement>(*this, sql)).first;
  return CachedStatement(*it->second);
}

void Database::fail(const std::string& what) const {
  throw Error(ExitCode::failure, "index database " + path_.string() + ": " + what + ": " + sqlite3_errmsg(db_),
              "delete the file to have it rebuilt from the cache folder (`hfcache reindex`)");
}

void Database::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "error";
    sqlite3_free(err);
    throw Error(ExitCode::failure, "index database " + path_.string() + ": " + msg,
                "delete the file to have it rebuilt from the cache folder (`hfcache reindex`)");
  }
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t Database::pragma_int(const std::string& name) {
  Statement s(*this, "PRAGMA " + name);
  return s.step() ? s.int64(0) : 0;
}

std::string Database::pragma_text(const std::string& name) {
  Statement s(*this, "PRAGMA " + name);
  return s.step() ? s.text(0) : std::string();
}

Statement::Statement(Database& db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
    db.fail("cannot prepare `" + std::string(sql) + "`");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    db_.fail("bind");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("query failed");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

CachedStatement::CachedStatement(Statement& statement) : statement_(statement) {
  if (statement_.leased_)
    throw std::logic_error("cached SQL statement used twice at once: " + std::string(sqlite3_sql(statement_.stmt_)));
  statement_.leased_ = true;
}

CachedStatement::~CachedStatement() {
  statement_.reset();
  statement_.leased_ = false;
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace hfcache::index
