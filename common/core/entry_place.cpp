#include "core/entry_place.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <optional>

namespace hfcache::core {
namespace {

std::optional<std::string> real_path(const std::filesystem::path& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

bool is_under(const std::string& path, const std::optional<std::string>& folder) {
  return folder && path.size() > folder->size() + 1 && path.starts_with(*folder + "/");
}

}  // namespace

ResolvedEntry resolve_entry(const CacheLayout& layout, const RepoRef& repo, const std::filesystem::path& entry) {
  struct stat st {};
  if (::lstat(entry.c_str(), &st) != 0) return {EntryPlace::absent, {}};
  auto real = real_path(entry);
  if (!real) return {EntryPlace::dangling, {}};
  bool inside = is_under(*real, real_path(layout.repo_dir(repo))) || is_under(*real, real_path(layout.root() / "blobs"));
  return {inside ? EntryPlace::inside : EntryPlace::outside, *real};
}

}  // namespace hfcache::core
