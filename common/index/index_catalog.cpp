#include "index/index_catalog.hpp"

namespace hfcache::index {

repair::FileCatalog catalog_from_index(const CacheIndex& index) {
  repair::FileCatalog catalog;
  for (const auto& summary : index.list_repos()) {
    auto detail = index.repo(summary.repo, true);
    if (!detail) continue;
    for (const auto& revision : detail->revisions)
      for (const auto& file : revision.file_list)
        if (file.ok && !file.blob.empty()) catalog[revision.commit][file.path] = {file.blob, file.size};
  }
  return catalog;
}

}  // namespace hfcache::index
