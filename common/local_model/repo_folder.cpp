#include "local_model/repo_folder.hpp"

#include <filesystem>

#include "core/temp_sweep.hpp"
#include "util/fs.hpp"

namespace hfcache::local_model {

bool prepare_repo_folder(const core::CacheLayout& layout, const core::RepoRef& repo, bool write_cachedir_tag,
                         bool disable_symlinks) {
  auto repo_dir = layout.repo_dir(repo);
  bool tag_cache = write_cachedir_tag && layout.cachedir_tag_expected();  // before the repo folder exists
  std::filesystem::create_directories(repo_dir);
  core::sweep_leftovers(layout, repo);
  if (tag_cache) layout.ensure_cachedir_tag();
  return !disable_symlinks && util::supports_symlinks(repo_dir);
}

}  // namespace hfcache::local_model
