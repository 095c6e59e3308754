#include "access/access_store.hpp"

#include "index/sqlite_db.hpp"

namespace hfcache::access {

AccessStore::AccessStore(const std::filesystem::path& db_path) : db_(std::make_unique<index::Database>(db_path)) {}
AccessStore::~AccessStore() = default;

std::optional<StoredRestriction> AccessStore::restriction(const std::string& folder) {
  std::lock_guard lock(mutex_);
  auto s = db_->cached("SELECT restriction, learnt_at FROM repo_access WHERE folder=?");
  s->bind(1, folder);
  if (!s->step()) return std::nullopt;
  return StoredRestriction{restriction_from_name(s->text(0)), s->int64(1)};
}

void AccessStore::put_restriction(const std::string& folder, StoredRestriction value) {
  std::lock_guard lock(mutex_);
  auto s = db_->cached("INSERT OR REPLACE INTO repo_access(folder, restriction, learnt_at) VALUES(?, ?, ?)");
  s->bind(1, folder).bind(2, restriction_name(value.restriction)).bind(3, value.learnt_at).run();
}

std::optional<StoredGrant> AccessStore::grant(const std::string& token_key, const std::string& folder) {
  std::lock_guard lock(mutex_);
  auto s = db_->cached("SELECT granted, decided_at, granted_at FROM access_grants WHERE token_key=? AND folder=?");
  s->bind(1, token_key).bind(2, folder);
  if (!s->step()) return std::nullopt;
  StoredGrant g{s->int64(0) != 0, s->int64(1), std::nullopt};
  if (!s->is_null(2)) g.granted_at = s->int64(2);
  return g;
}

void AccessStore::put_grant(const std::string& token_key, const std::string& folder, const StoredGrant& value) {
  std::lock_guard lock(mutex_);
  // Not a cached statement: a reset one keeps its bindings, and granted_at may have to be NULL.
  index::Statement s(*db_,
                     "INSERT OR REPLACE INTO access_grants(token_key, folder, granted, decided_at, granted_at) "
                     "VALUES(?, ?, ?, ?, ?)");
  s.bind(1, token_key).bind(2, folder).bind(3, std::int64_t{value.granted}).bind(4, value.decided_at);
  if (value.granted_at) s.bind(5, *value.granted_at);
  s.run();
}

}  // namespace hfcache::access
