#pragma once
// Which revisions are in use right now (being served or pulled), so gc never evicts them.
// A Lease marks a revision for as long as it lives; the first lease of a revision also takes its
// core::RevisionInUseMark in the cache folder, so gc and rm of other replicas sharing the folder
// leave it alone too.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/cache_layout.hpp"
#include "core/repo_id.hpp"
#include "core/revision_in_use.hpp"

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

  // `layout`: where the marks go (none without one).
  explicit UsageTracker(const core::CacheLayout* layout = nullptr) : layout_(layout) {}

  Lease acquire(const core::RepoRef& repo, const std::string& commit) {
    std::string k = key(repo, commit);
    std::lock_guard lock(mutex_);
    auto& entry = counts_[k];
    if (entry.count++ == 0 && layout_) {
      try {
        entry.mark.emplace(*layout_, repo, commit);
      } catch (const std::exception& e) {  // a read-only cache: nobody there removes anything either
        spdlog::debug("usage: no in-use mark for {}: {}", k, e.what());
      }
    }
    return Lease(this, std::move(k));
  }
  bool in_use(const core::RepoRef& repo, const std::string& commit) const {
    {
      std::lock_guard lock(mutex_);
      if (counts_.count(key(repo, commit)) > 0) return true;
    }
    return layout_ && core::revision_in_use_elsewhere(*layout_, repo, commit);
  }

 private:
  static std::string key(const core::RepoRef& repo, const std::string& commit) {
    return repo.folder_name() + "@" + commit;
  }
  void release(const std::string& k) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(k);
    if (it != counts_.end() && --it->second.count == 0) counts_.erase(it);
  }
  struct Entry {
    int count = 0;
    std::optional<core::RevisionInUseMark> mark;
  };
  const core::CacheLayout* layout_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> counts_;
};

}  // namespace hfcache::server
