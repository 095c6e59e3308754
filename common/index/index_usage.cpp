#include "index/index_usage.hpp"

namespace hfcache::index {

maintenance::UsageByRevision usage_from_index(const CacheIndex& index) {
  maintenance::UsageByRevision usage;
  for (const auto& repo : index.list_repos())
    for (const auto& revision : repo.revisions)
      usage[maintenance::usage_key(repo.repo, revision.commit)] = {revision.last_access, revision.pinned};
  return usage;
}

}  // namespace hfcache::index
