#pragma once
// Which revisions are in use right now (being served or pulled), so gc never evicts them.
// A Lease marks a revision for as long as it lives.
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "core/repo_id.hpp"

namespace hfcache::server {

class UsageTracker {
 public:
  class Lease {
   public:
    Lease() = default;
    Lease(UsageTracker* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    Lease(Lease&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)), key_(std::move(other.key_)) {}
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        key_ = std::move(other.key_);
      }
      return *this;
    }
    ~Lease() { release(); }

   private:
    void release() {
      if (owner_) owner_->release(key_);
      owner_ = nullptr;
    }
    UsageTracker* owner_ = nullptr;
    std::string key_;
  };

  Lease acquire(const core::RepoRef& repo, const std::string& commit) {
    std::string k = key(repo, commit);
    std::lock_guard lock(mutex_);
    ++counts_[k];
    return Lease(this, std::move(k));
  }
  bool in_use(const core::RepoRef& repo, const std::string& commit) const {
    std::lock_guard lock(mutex_);
    return counts_.count(key(repo, commit)) > 0;
  }

 private:
  static std::string key(const core::RepoRef& repo, const std::string& commit) {
    return repo.folder_name() + "@" + commit;
  }
  void release(const std::string& k) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(k);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }
  mutable std::mutex mutex_;
  std::map<std::string, int> counts_;
};

}  // namespace hfcache::server
