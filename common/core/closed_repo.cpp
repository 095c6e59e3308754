#include "core/closed_repo.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

namespace hfcache::core {

bool repo_folder_closed(const CacheLayout& layout, const RepoRef& repo) {
  auto dir = layout.repo_dir(repo);
  return ::access(dir.c_str(), R_OK | X_OK) != 0 && errno == EACCES;
}

std::vector<RepoRef> closed_repos(const CacheLayout& layout) {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(layout.root(), ec))
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<RepoRef> out;
  for (const auto& dir : dirs)
    if (auto repo = repo_from_folder_name(dir.filename().string()); repo && repo_folder_closed(layout, *repo))
      out.push_back(*repo);
  return out;
}

std::string closed_repo_message(const RepoRef& repo) {
  return repo.display() + " is gated or private and its cache folder is kept readable only by the service user "
         "(protect_restricted_repos)";
}

std::string closed_repo_hint(const RepoRef& repo, std::string_view mirror_url) {
  std::string url(mirror_url);
  return "read it through the mirror with your own hub token: HF_ENDPOINT=" + url +
         " (huggingface_hub, transformers), or through the daemon: HFCACHE_URL=" + url + " hfcache pull " +
         repo.display();
}

}  // namespace hfcache::core
