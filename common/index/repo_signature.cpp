#include "index/repo_signature.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include "core/repo_id.hpp"

namespace hfcache::index {

namespace fs = std::filesystem;

std::map<std::string, fs::path> repo_folders(const fs::path& cache_root) {
  std::map<std::string, fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cache_root, ec)) {
    if (!entry.is_directory(ec)) continue;
    auto name = entry.path().filename().string();
    if (core::repo_from_folder_name(name)) out.emplace(name, entry.path());
  }
  return out;
}

namespace {

void add_stat(std::string& sig, const fs::path& path, const std::string& label) {
  struct stat st {};
  sig += label;
  if (::lstat(path.c_str(), &st) != 0) {
    sig += "=-;";
    return;
  }
  sig += '=';
  sig += std::to_string(st.st_mtim.tv_sec);
  sig += '.';
  sig += std::to_string(st.st_mtim.tv_nsec);
  sig += '/';
  sig += std::to_string(st.st_size);
  sig += ';';
}

// Entries of `dir` (recursively when asked), sorted so the signature does not depend on readdir order.
std::vector<fs::path> entries(const fs::path& dir, bool recursive) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      out.push_back(it->path());
    }
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string repo_signature(const fs::path& repo_dir) {
  struct stat st {};
  if (::stat(repo_dir.c_str(), &st) != 0) return {};
  std::string sig;
  add_stat(sig, repo_dir, "d");
  add_stat(sig, repo_dir / "blobs", "b");
  add_stat(sig, repo_dir / "refs", "r");
  for (const auto& p : entries(repo_dir / "refs", true)) add_stat(sig, p, "r:" + p.lexically_relative(repo_dir).generic_string());
  add_stat(sig, repo_dir / "snapshots", "s");
  for (const auto& p : entries(repo_dir / "snapshots", false)) add_stat(sig, p, "s:" + p.filename().string());
  return sig;
}

}  // namespace hfcache::index
