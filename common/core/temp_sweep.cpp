#include "core/temp_sweep.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "core/cache_scan.hpp"
#include "core/private_temp.hpp"
#include "core/revision.hpp"
#include "core/tree_cache.hpp"
#include "core/write_lock.hpp"
#include "util/fs.hpp"

namespace hfcache::core {
namespace {

constexpr std::string_view incomplete_suffix = ".incomplete";

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

// The entry's own time (lstat: a temp link may dangle, its blob not there yet).
bool older_than_a_day(const fs::path& path) {
  struct ::stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  return std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime) > stale_age;
}

// Which kind of temp name `name` is in the subfolder `sub` of the repo folder, if any.
std::optional<LeftoverKind> temp_kind(std::string_view sub, std::string_view name) {
  if (sub == "blobs") {
    if (is_own_blob_temp(name)) return LeftoverKind::own_temp;
    if (is_download_temp(name)) return LeftoverKind::download_temp;
    return std::nullopt;
  }
  bool in_trees = sub == "trees";
  if (!is_atomic_write_leftover(name, in_trees)) return std::nullopt;
  if (sub == "snapshots") return LeftoverKind::own_temp;  // huggingface_hub writes entries in place
  if (in_trees) return name.starts_with("tmp") && name.find('.') == 11 ? LeftoverKind::hub_temp : LeftoverKind::own_temp;
  if (sub != "refs") return std::nullopt;  // .no_exist/ markers are named after repo paths
  // refs/: huggingface_hub >= 1.18 writes <name>.<8hex>.tmp, hfcache <name>.hfcache-<8hex>.tmp.
  auto stem = name.substr(0, name.size() - 4);
  auto dot = stem.rfind('.');
  return stem.substr(dot + 1).starts_with(own_temp_tag) ? LeftoverKind::own_temp : LeftoverKind::hub_temp;
}

// A litter-named regular file in a snapshot is a repo file when the commit's listing names it.
// Without a listing (`if_unknown`): OS litter names are kept, because repos do commit a .DS_Store and
// a copies-layout snapshot cannot tell; hfcache's temp names are not, so killed pulls get cleaned.
bool listed_in_commit(const CacheLayout& layout, const RepoRef& repo, const fs::path& snapshots, const fs::path& file,
                      bool if_unknown = false) {
  auto rel = file.lexically_relative(snapshots).generic_string();
  auto slash = rel.find('/');
  if (slash == std::string::npos) return false;
  auto listing = read_tree_cache(layout, repo, rel.substr(0, slash));
  if (!listing) return if_unknown;
  auto path = rel.substr(slash + 1);
  return std::any_of(listing->begin(), listing->end(), [&](const TreeEntry& e) { return e.path == path; });
}

}  // namespace

std::string_view to_string(LeftoverKind kind) {
  switch (kind) {
    case LeftoverKind::own_temp: return "own_temp";
    case LeftoverKind::deleting_folder: return "deleting_folder";
    case LeftoverKind::hub_temp: return "hub_temp";
    case LeftoverKind::download_temp: return "download_temp";
    case LeftoverKind::os_litter: return "os_litter";
    case LeftoverKind::orphan_blob: return "orphan_blob";
    case LeftoverKind::empty_repo: return "empty_repo";
  }
  return "own_temp";
}

std::string_view clear_command(LeftoverKind kind) {
  switch (kind) {
    case LeftoverKind::own_temp:
    case LeftoverKind::deleting_folder:
    case LeftoverKind::hub_temp:
    case LeftoverKind::os_litter: return "hfcache repair";
    case LeftoverKind::download_temp:
    case LeftoverKind::orphan_blob:
    case LeftoverKind::empty_repo: return "hfcache gc";
  }
  return "hfcache repair";
}

bool is_atomic_write_leftover(std::string_view name, bool in_trees) {
  if (!name.ends_with(".tmp")) return false;
  auto stem = name.substr(0, name.size() - 4);
  // Python tempfile.mkstemp(suffix=".tmp") in trees/: "tmp" + 8 random characters.
  if (in_trees && stem.starts_with("tmp") && stem.size() == 11) return true;
  auto dot = stem.rfind('.');
  if (dot == std::string_view::npos) return false;
  auto random = stem.substr(dot + 1);
  if (random.starts_with(own_temp_tag)) random.remove_prefix(own_temp_tag.size());
  return random.size() == 8 && is_hex(random);
}

bool is_os_litter_name(std::string_view name) {
  return name == ".DS_Store" || name == "Thumbs.db" || name == "desktop.ini";
}

bool is_own_blob_temp(std::string_view name) {
  constexpr std::string_view prefix = ".hfcache-";
  if (!name.starts_with(prefix) || !name.ends_with(incomplete_suffix)) return false;
  auto random = name.substr(prefix.size(), name.size() - prefix.size() - incomplete_suffix.size());
  return random.size() == 16 && is_hex(random);
}

std::string own_blob_temp_name() { return ".hfcache-" + util::random_hex(16) + std::string(incomplete_suffix); }

bool is_download_temp(std::string_view name) {
  auto dot = name.find('.');
  if (dot == std::string_view::npos || !is_etag(name.substr(0, dot))) return false;
  auto rest = name.substr(dot);
  if (rest == ".incomplete" || rest == ".part" || rest == ".lock") return true;
  // .<8 hex>.incomplete: huggingface_hub >= 1.18's per-writer name; .<8 hex>-<host>-<pid>.incomplete: hfcache's.
  return rest.size() > 1 + incomplete_suffix.size() && rest.ends_with(incomplete_suffix) &&
         is_private_temp_infix(rest.substr(1, rest.size() - 1 - incomplete_suffix.size()));
}

std::vector<Leftover> find_leftovers(const CacheLayout& layout, const RepoRef& repo, bool with_orphans) {
  std::vector<Leftover> out;
  auto dir = layout.repo_dir(repo);
  auto snapshots = dir / "snapshots";
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return out;
  bool any_snapshot = false, any_ref = false;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto& path = it->path();
    auto rel = path.lexically_relative(dir);
    auto sub = rel.begin()->string();
    auto name = path.filename().string();
    auto st = it->symlink_status(ec);
    if (ec) break;
    if (it.depth() == 0 && name.starts_with(deleting_prefix)) {
      out.push_back({path, LeftoverKind::deleting_folder, older_than_a_day(path)});
      it.disable_recursion_pending();
      continue;
    }
    if (fs::is_directory(st)) {
      any_snapshot |= it.depth() == 1 && sub == "snapshots";
      continue;
    }
    if (is_os_litter_name(name) && fs::is_regular_file(st)) {
      if (sub != "snapshots" || !listed_in_commit(layout, repo, snapshots, path, /*if_unknown=*/true))
        out.push_back({path, LeftoverKind::os_litter, older_than_a_day(path)});
      continue;
    }
    auto kind = it.depth() >= 1 ? temp_kind(sub, name) : std::nullopt;
    // A repo may hold a file named like a temp file: the commit's listing says so.
    if (kind && sub == "snapshots" && listed_in_commit(layout, repo, snapshots, path)) kind.reset();
    if (kind) {
      out.push_back({path, *kind, older_than_a_day(path)});
      continue;
    }
    any_ref |= sub == "refs";
  }
  if (with_orphans) {
    if (!any_snapshot && !any_ref) {
      out.push_back({dir, LeftoverKind::empty_repo, older_than_a_day(dir)});
    } else if (auto scanned = scan_repo(layout, repo, true)) {
      std::set<std::string> linked;
      for (const auto& rev : scanned->revisions)
        for (const auto& f : rev.files)
          if (!f.blob.empty()) linked.insert(f.blob);
      for (const auto& entry : fs::directory_iterator(dir / "blobs", ec)) {
        auto name = entry.path().filename().string();
        if (is_etag(name) && entry.is_regular_file(ec) && !entry.is_symlink(ec) && !linked.count(name))
          out.push_back({entry.path(), LeftoverKind::orphan_blob, older_than_a_day(entry.path())});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Leftover& a, const Leftover& b) { return a.path < b.path; });
  return out;
}

std::size_t sweep_leftovers(const CacheLayout& layout, const RepoRef& repo, SweepOptions options) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout.root(), ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("CACHEDIR.TAG.") && is_atomic_write_leftover(name, false) && older_than_a_day(entry.path()) &&
        fs::remove(entry.path(), ec))
      ++removed;
  }
  if (!fs::is_directory(fs::symlink_status(layout.repo_dir(repo), ec))) return removed;  // nothing to sweep, no lock made
  auto idle = try_lock_repo_idle(layout, repo);  // held while sweeping: no hfcache writer starts meanwhile
  for (const auto& l : find_leftovers(layout, repo, false)) {
    bool go = false;
    switch (l.kind) {
      case LeftoverKind::own_temp:
      case LeftoverKind::deleting_folder: go = idle.has_value() || l.stale; break;
      case LeftoverKind::hub_temp: go = l.stale; break;
      case LeftoverKind::os_litter: go = options.litter; break;
      default: break;
    }
    if (!go) continue;
    std::error_code rm;
    if (fs::remove_all(l.path, rm) > 0 && !rm) ++removed;
  }
  return removed;
}

}  // namespace hfcache::core
