#pragma once
// The repo folder a local import writes into, made ready the way every local import needs it:
// created, what a killed run left in it finished or cleared (core/temp_sweep), CACHEDIR.TAG written
// where huggingface_hub would meet one (decided before the folder exists), and whether snapshot
// entries can be symlinks there.
#include "core/cache_layout.hpp"
#include "core/repo_id.hpp"

namespace hfcache::local_model {

// True when snapshot entries are to be relative symlinks; false for the copies layout (no symlink
// support on the file system, or `disable_symlinks`).
bool prepare_repo_folder(const core::CacheLayout& layout, const core::RepoRef& repo, bool write_cachedir_tag,
                         bool disable_symlinks);

}  // namespace hfcache::local_model
