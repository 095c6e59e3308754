#pragma once
// A repo folder this process may not read: with protect_restricted_repos, hfcached makes the folder
// of a gated or private repo its own (0700), so another local user reads such a repo only through
// the mirror or the daemon, which check the user's hub token (docs/interface.md "Access to gated and
// private repos").
#include <string>
#include <string_view>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::core {

// The repos of the cache whose folders are closed to this process, sorted by folder name.
std::vector<RepoRef> closed_repos(const CacheLayout& layout);

// True when `repo`'s folder exists but this process may not enter or list it (EACCES).
bool repo_folder_closed(const CacheLayout& layout, const RepoRef& repo);

// What to tell the user about such a repo; `mirror_url` is where hfcached listens (http://host:port).
std::string closed_repo_message(const RepoRef& repo);
std::string closed_repo_hint(const RepoRef& repo, std::string_view mirror_url);

}  // namespace hfcache::core
