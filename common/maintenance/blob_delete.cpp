#include "maintenance/blob_delete.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/cache_scan.hpp"
#include "core/revision.hpp"
#include "core/temp_sweep.hpp"
#include "util/file_lock.hpp"
#include "util/fs.hpp"

namespace hfcache::maintenance {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kLocksAtOnce = 256;  // bounded file descriptors while holding blob locks
constexpr std::string_view kIncomplete = ".incomplete";

// The etag whose lock guards this blobs/ name: "<etag>", "<etag>.incomplete", "<etag>.<8hex>.incomplete",
// hf-hub's "<etag>.part" and "<etag>.lock".
std::string etag_of(const std::string& name) {
  auto dot = name.find('.');
  if (dot != std::string::npos && core::is_etag(std::string_view(name).substr(0, dot))) return name.substr(0, dot);
  return name;
}

std::set<std::string> linked_blobs(const core::CacheLayout& layout, const core::RepoRef& repo) {
  std::set<std::string> out;
  if (auto scanned = core::scan_repo(layout, repo, true))
    for (const auto& rev : scanned->revisions)
      for (const auto& f : rev.files)
        if (!f.blob.empty()) out.insert(f.blob);
  return out;
}

}  // namespace

std::uint64_t delete_unlinked_blobs(const core::CacheLayout& layout, const core::RepoRef& repo,
                                    const std::vector<std::string>& names) {
  // One lock per etag (a blob and its .incomplete share it: locking it twice from one process would
  // wait on itself), taken in sorted order, so two deleters (gc and rm) never wait on each other.
  std::map<std::string, std::vector<std::string>> by_etag;
  for (const auto& name : names) by_etag[etag_of(name)].push_back(name);
  std::uint64_t freed = 0;
  auto next = by_etag.begin();
  while (next != by_etag.end()) {
    std::vector<util::FileLock> locks;
    std::vector<const std::vector<std::string>*> batch;
    for (; next != by_etag.end() && locks.size() < kLocksAtOnce; ++next) {
      locks.emplace_back(layout.lock_path(repo, next->first));
      batch.push_back(&next->second);
    }
    // Under the locks no download can be between writing a blob and linking it: what is linked now stays.
    auto linked = linked_blobs(layout, repo);
    for (const auto* group : batch) {
      for (const auto& name : *group) {
        if (!name.ends_with(kIncomplete) && linked.count(name) > 0) continue;
        auto path = layout.blobs_dir(repo) / name;
        std::error_code ec;
        auto st = fs::symlink_status(path, ec);
        if (ec || !fs::is_regular_file(st)) continue;
        auto size = fs::file_size(path, ec);
        if (fs::remove(path, ec) && !ec) freed += size;
      }
    }
  }
  return freed;
}

void remove_folder_atomically(const fs::path& dir, const fs::path& parent_dir) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) return;
  auto aside = parent_dir / (std::string(core::deleting_prefix) + dir.filename().string() + "-" + util::random_hex(8));
  fs::rename(dir, aside, ec);
  if (ec) {  // another file system or no permission on the parent: plain removal
    fs::remove_all(dir, ec);
    if (ec) throw fs::filesystem_error("cannot delete", dir, ec);
    return;
  }
  fs::remove_all(aside, ec);
  if (ec) throw fs::filesystem_error("cannot delete", aside, ec);
}

}  // namespace hfcache::maintenance
