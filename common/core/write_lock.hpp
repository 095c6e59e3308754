#pragma once
// The repo's write lock, <cache>/.locks/<repo folder>/.hfcache-write.lock: held shared by every
// hfcache writer (CLI or daemon) for as long as it may have a temp file of its own in that repo
// folder (a snapshot link or ref being replaced, an import's staged blobs, an rm's folder moved
// aside). Whoever gets it exclusive knows that every such temp file is a leftover of a killed run,
// whatever its age, and may remove it (core/temp_sweep.hpp). Nobody ever waits for it exclusive, so
// a sweep never holds a writer up for longer than the sweep itself.
// huggingface_hub knows nothing of it: its own temp files follow the age rules of temp_sweep.hpp.
#include <optional>

#include "core/cache_layout.hpp"
#include "util/file_lock.hpp"

namespace hfcache::core {

// Held shared (blocks only while a sweep holds it exclusive).
class RepoWriteLock {
 public:
  RepoWriteLock(const CacheLayout& layout, const RepoRef& repo);

 private:
  util::FileLock lock_;
};

// Exclusive, only if no hfcache writer of this repo is at work right now; never waits.
std::optional<util::FileLock> try_lock_repo_idle(const CacheLayout& layout, const RepoRef& repo);

}  // namespace hfcache::core
