#include "core/write_lock.hpp"

namespace hfcache::core {

RepoWriteLock::RepoWriteLock(const CacheLayout& layout, const RepoRef& repo)
    : lock_(layout.write_lock_path(repo), {}, util::FileLock::Mode::shared) {}

std::optional<util::FileLock> try_lock_repo_idle(const CacheLayout& layout, const RepoRef& repo) {
  try {
    return util::FileLock::try_exclusive(layout.write_lock_path(repo));
  } catch (const std::system_error&) {
    return std::nullopt;  // a read-only cache: nothing will be removed anyway
  }
}

}  // namespace hfcache::core
