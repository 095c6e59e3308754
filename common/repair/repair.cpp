#include "repair/repair.hpp"

#include <algorithm>
#include <system_error>

#include "core/closed_repo.hpp"
#include "repair/repo_repairer.hpp"
#include "util/fs.hpp"

namespace hfcache::repair {
namespace {

bool decide_symlinks(const core::CacheLayout& layout, const core::RepoRef* repo, const RepairOptions& options) {
  if (options.symlinks) return *options.symlinks;
  auto dir = repo ? layout.repo_dir(*repo) : layout.root();
  try {
    return util::supports_symlinks(dir);
  } catch (const std::system_error&) {
    return true;  // a read-only or missing folder: nothing will be written anyway
  }
}

void add_repo(RepairReport& out, const core::CacheLayout& layout, const core::RepoRef& repo, const RepairOptions& options) {
  RepoRepairer repairer(layout, repo, options, out.symlinks);
  auto report = repairer.run();
  out.changed = out.changed || repairer.changed();
  out.bytes_freed += report.bytes_freed;
  out.repos.push_back(std::move(report));
}

}  // namespace

std::string_view to_string(Form form) {
  switch (form) {
    case Form::ok: return "ok";
    case Form::dereferenced: return "dereferenced";
    case Form::text_link: return "text_link";
    case Form::windows_link: return "windows_link";
    case Form::foreign_link: return "foreign_link";
    case Form::shell_shortcut: return "shell_shortcut";
    case Form::empty_placeholder: return "empty_placeholder";
    case Form::broken_link: return "broken_link";
    case Form::outside_link: return "outside_link";
    case Form::corrupt: return "corrupt";
    case Form::crlf_ref: return "crlf_ref";
    case Form::windows_name: return "windows_name";
    case Form::lfs_pointer: return "lfs_pointer";
    case Form::unknown: return "unknown";
  }
  return "unknown";
}

bool RepairReport::complete() const {
  return std::all_of(repos.begin(), repos.end(), [](const RepoReport& r) { return r.complete; });
}

RepairReport repair_repo(const core::CacheLayout& layout, const core::RepoRef& repo, const RepairOptions& options) {
  RepairReport out;
  out.symlinks = decide_symlinks(layout, &repo, options);
  add_repo(out, layout, repo, options);
  return out;
}

RepairReport repair_cache(const core::CacheLayout& layout, const RepairOptions& options) {
  RepairReport out;
  out.symlinks = decide_symlinks(layout, nullptr, options);
  std::vector<core::RepoRef> repos;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(layout.root(), ec)) {
    if (!entry.is_directory(ec) || entry.is_symlink(ec)) continue;
    auto repo = core::repo_from_folder_name(entry.path().filename().string());
    // A folder closed to this user (protect_restricted_repos) is not ours to judge: the caller names it.
    if (repo && !core::repo_folder_closed(layout, *repo)) repos.push_back(*repo);
  }
  std::sort(repos.begin(), repos.end(), [](const core::RepoRef& a, const core::RepoRef& b) {
    return a.folder_name() < b.folder_name();
  });
  for (const auto& repo : repos) add_repo(out, layout, repo, options);
  return out;
}

}  // namespace hfcache::repair
