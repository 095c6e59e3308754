#pragma once
// Where access decisions outlive the process: the repo_access and access_grants tables of the index
// database (schema 4, common/index/index_migrations.cpp), on a connection of its own (WAL: the
// index's readers and writers are not held up). Rows hold token keys (token_key.hpp), never tokens.
// Thread-safe (one connection, serialised).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "access/restriction.hpp"

namespace hfcache::index {
class Database;
}

namespace hfcache::access {

struct StoredRestriction {
  Restriction restriction = Restriction::unknown;
  std::int64_t learnt_at = 0;  // unix seconds
};

struct StoredGrant {
  bool granted = false;
  std::int64_t decided_at = 0;                // unix seconds of the last upstream answer
  std::optional<std::int64_t> granted_at;     // last time the upstream granted it; cleared by a refusal
};

class AccessStore {
 public:
  // `db_path`: the index database (index::CacheIndex::default_path); it must exist at schema >= 4.
  explicit AccessStore(const std::filesystem::path& db_path);
  ~AccessStore();

  std::optional<StoredRestriction> restriction(const std::string& folder);
  void put_restriction(const std::string& folder, StoredRestriction value);
  std::optional<StoredGrant> grant(const std::string& token_key, const std::string& folder);
  void put_grant(const std::string& token_key, const std::string& folder, const StoredGrant& value);

 private:
  std::mutex mutex_;
  std::unique_ptr<index::Database> db_;
};

}  // namespace hfcache::access
