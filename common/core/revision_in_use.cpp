#include "core/revision_in_use.hpp"

#include <string>

namespace hfcache::core {
namespace {

std::filesystem::path mark_path(const CacheLayout& layout, const RepoRef& repo, std::string_view commit) {
  return layout.write_lock_path(repo).parent_path() / (".hfcache-in-use-" + std::string(commit) + ".lock");
}

}  // namespace

RevisionInUseMark::RevisionInUseMark(const CacheLayout& layout, const RepoRef& repo, std::string_view commit)
    : lock_(mark_path(layout, repo, commit), {}, util::FileLock::Mode::shared) {}

bool revision_in_use_elsewhere(const CacheLayout& layout, const RepoRef& repo, std::string_view commit) {
  return !util::FileLock::try_lock_probe(mark_path(layout, repo, commit));
}

}  // namespace hfcache::core
