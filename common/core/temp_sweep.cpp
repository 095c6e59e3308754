#include "core/temp_sweep.hpp"

#include <system_error>

namespace hfcache::core {
namespace {

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

bool stale(const fs::directory_entry& entry, std::chrono::seconds min_age) {
  std::error_code ec;
  auto mtime = entry.last_write_time(ec);
  return !ec && fs::file_time_type::clock::now() - mtime > min_age;
}

}  // namespace

bool is_atomic_write_leftover(std::string_view name, bool in_trees) {
  if (!name.ends_with(".tmp")) return false;
  auto stem = name.substr(0, name.size() - 4);
  // Python tempfile.mkstemp(suffix=".tmp") in trees/: "tmp" + 8 random characters.
  if (in_trees && stem.starts_with("tmp") && stem.size() == 11) return true;
  auto dot = stem.rfind('.');
  return dot != std::string_view::npos && stem.size() - dot - 1 == 8 && is_hex(stem.substr(dot + 1));
}

std::size_t sweep_stale_temp_files(const CacheLayout& layout, const RepoRef& repo, std::chrono::seconds min_age) {
  std::size_t removed = 0;
  std::error_code ec;
  auto remove_if_stale = [&](const fs::directory_entry& entry, bool in_trees) {
    if (!entry.is_regular_file(ec) && !entry.is_symlink(ec)) return;
    if (!is_atomic_write_leftover(entry.path().filename().string(), in_trees) || !stale(entry, min_age)) return;
    if (fs::remove(entry.path(), ec)) ++removed;
  };
  for (const auto& entry : fs::directory_iterator(layout.root(), ec)) {
    if (entry.path().filename().string().starts_with("CACHEDIR.TAG.")) remove_if_stale(entry, false);
  }
  auto repo_dir = layout.repo_dir(repo);
  for (const char* sub : {"refs", "snapshots", "trees"}) {
    auto dir = repo_dir / sub;
    if (!fs::is_directory(dir, ec)) continue;
    bool in_trees = std::string_view(sub) == "trees";
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      remove_if_stale(*it, in_trees);
    }
  }
  return removed;
}

}  // namespace hfcache::core
