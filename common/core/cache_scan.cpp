#include "core/cache_scan.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <cctype>
#include <fstream>
#include <iterator>

#include "core/closed_repo.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/tree_cache.hpp"

namespace hfcache::core {
namespace {

// Walk snapshots/<commit>/ recursively without following links out of it.
void collect_files(const fs::path& root, const fs::path& repo_dir, CachedRevision& rev, std::set<std::string>& seen,
                   std::uint64_t& repo_size, std::set<std::string>& repo_seen) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto& entry = *it;
    auto st = entry.symlink_status(ec);
    if (fs::is_directory(st)) continue;
    CachedFile f;
    f.path = entry.path().lexically_relative(root).generic_string();
    std::string identity;
    if (fs::is_symlink(st)) {
      auto target = fs::read_symlink(entry.path(), ec);
      auto resolved = (entry.path().parent_path() / target).lexically_normal();
      auto rel = resolved.lexically_relative(repo_dir);
      struct stat s {};
      if (!rel.empty() && *rel.begin() != ".." && ::stat(resolved.c_str(), &s) == 0 && S_ISREG(s.st_mode)) {
        f.ok = true;
        f.size = static_cast<std::uint64_t>(s.st_size);
        f.blob = resolved.filename().string();
        identity = resolved.string();
      }
    } else if (fs::is_regular_file(st)) {
      f.ok = true;
      f.size = fs::file_size(entry.path(), ec);
      identity = entry.path().string();
    }
    if (f.ok && seen.insert(identity).second) rev.size += f.size;
    if (f.ok && repo_seen.insert(identity).second) repo_size += f.size;
    rev.files.push_back(std::move(f));
  }
  std::sort(rev.files.begin(), rev.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
}

void read_refs(const fs::path& refs_dir, std::map<std::string, std::string>& refs) {
  std::error_code ec;
  if (!fs::is_directory(refs_dir, ec)) return;
  for (auto it = fs::recursive_directory_iterator(refs_dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file(ec)) continue;
    auto name = it->path().lexically_relative(refs_dir).generic_string();
    if (name.ends_with(".tmp")) continue;
    std::ifstream in(it->path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    refs[name] = text;
  }
}

}  // namespace

std::optional<CachedRepo> scan_repo(const CacheLayout& layout, const RepoRef& repo, bool with_files) {
  CachedRepo out;
  out.repo = repo;
  out.dir = layout.repo_dir(repo);
  std::error_code ec;
  if (!fs::is_directory(out.dir, ec)) return std::nullopt;
  // A folder closed to this user (protect_restricted_repos) is not ours to judge, nor an empty repo:
  // the commands name it (client note_closed_repos).
  if (repo_folder_closed(layout, repo)) return std::nullopt;
  read_refs(out.dir / "refs", out.refs);
  std::set<std::string> repo_seen;
  auto snapshots = out.dir / "snapshots";
  if (fs::is_directory(snapshots, ec)) {
    for (const auto& entry : fs::directory_iterator(snapshots, ec)) {
      if (!entry.is_directory(ec)) continue;
      CachedRevision rev;
      rev.commit = entry.path().filename().string();
      rev.last_modified = fs::last_write_time(entry.path(), ec);
      for (const auto& [name, commit] : out.refs)
        if (commit == rev.commit) rev.refs.push_back(name);
      std::set<std::string> seen;
      if (with_files) collect_files(entry.path(), out.dir, rev, seen, out.size, repo_seen);
      if (auto listing = read_tree_cache(layout, repo, rev.commit)) {
        rev.expected_files = listing->size();
        std::set<std::string> present;
        for (const auto& f : rev.files)
          if (f.ok) present.insert(f.path);
        for (const auto& e : *listing)
          if (!present.count(e.path)) ++rev.missing_files;
      }
      // file_time_type{} is not the earliest time (libstdc++'s file clock starts in 2174): compare only real times.
      if (out.revisions.empty() || rev.last_modified > out.last_modified) out.last_modified = rev.last_modified;
      out.revisions.push_back(std::move(rev));
    }
  }
  out.file_count = repo_seen.size();
  std::sort(out.revisions.begin(), out.revisions.end(),
            [](const auto& a, const auto& b) { return a.last_modified > b.last_modified; });
  return out;
}

std::vector<CachedRepo> scan_cache(const CacheLayout& layout, bool with_files) {
  std::vector<CachedRepo> repos;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout.root(), ec)) {
    if (!entry.is_directory(ec)) continue;
    auto repo = repo_from_folder_name(entry.path().filename().string());
    if (!repo) continue;
    if (auto scanned = scan_repo(layout, *repo, with_files)) repos.push_back(std::move(*scanned));
  }
  std::sort(repos.begin(), repos.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.repo.type, a.repo.id) < std::make_pair(b.repo.type, b.repo.id);
  });
  return repos;
}

}  // namespace hfcache::core
