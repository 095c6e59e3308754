#pragma once
// A revision in use (being served or pulled), seen by every process and host sharing the cache: a
// shared flock on <cache>/.locks/<repo folder>/.hfcache-in-use-<commit>.lock, held for as long as the
// revision is in use. gc and rm of any replica ask revision_in_use_elsewhere before removing a
// revision, so one replica never deletes what another is serving (docs/fleet-replicas.md). The lock
// dies with its process, so a killed replica leaves no stale mark behind. Where flock does nothing
// the mark is not seen: gc there must run with no replica serving (the same documents say so).
#include <string_view>

#include "core/cache_layout.hpp"
#include "util/file_lock.hpp"

namespace hfcache::core {

class RevisionInUseMark {
 public:
  // Throws std::system_error when the lock file cannot be made (a read-only cache).
  RevisionInUseMark(const CacheLayout& layout, const RepoRef& repo, std::string_view commit);

 private:
  util::FileLock lock_;
};

// True when some process (this one included) holds a RevisionInUseMark on the revision now.
bool revision_in_use_elsewhere(const CacheLayout& layout, const RepoRef& repo, std::string_view commit);

}  // namespace hfcache::core
