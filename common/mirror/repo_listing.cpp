#include "mirror/repo_listing.hpp"

#include <algorithm>
#include <charconv>

#include "core/cache_layout.hpp"
#include "core/errors.hpp"

namespace hfcache::mirror {
namespace {

// Cursors are "p" + the offset of the page: opaque to clients, which send them back verbatim.
constexpr std::string_view cursor_prefix = "p";

bool valid_path(const std::string& path) {
  try {
    core::validate_repo_path(path);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

RepoListing::RepoListing(std::vector<core::TreeEntry> files, bool complete) : complete_(complete) {
  files.erase(std::remove_if(files.begin(), files.end(), [](const core::TreeEntry& e) { return !valid_path(e.path); }),
              files.end());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  files.erase(std::unique(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path == b.path; }),
              files.end());
  files_ = std::move(files);
  for (std::size_t i = 0; i < files_.size(); ++i) {
    const auto& path = files_[i].path;
    by_path_.emplace(path, i);
    for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      folders_.insert(path.substr(0, slash));
    }
  }
}

const core::TreeEntry* RepoListing::find(std::string_view path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &files_[it->second];
}

bool RepoListing::is_folder(std::string_view path) const { return path.empty() || folders_.count(path) > 0; }

std::optional<std::vector<ListingItem>> RepoListing::children(std::string_view folder, bool recursive) const {
  if (!is_folder(folder)) return std::nullopt;
  std::string prefix = folder.empty() ? std::string() : std::string(folder) + "/";
  auto direct = [&](const std::string& path) {
    return recursive || path.find('/', prefix.size()) == std::string::npos;
  };
  std::vector<ListingItem> items;
  for (auto it = folders_.lower_bound(prefix); it != folders_.end() && it->starts_with(prefix); ++it) {
    if (it->size() > prefix.size() && direct(*it)) items.push_back({*it, nullptr});
  }
  for (const auto& f : files_) {
    if (f.path.starts_with(prefix) && direct(f.path)) items.push_back({f.path, &f});
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return items;
}

std::vector<ListingItem> RepoListing::lookup(const std::vector<std::string>& paths) const {
  std::vector<ListingItem> items;
  std::set<std::string> seen;
  for (const auto& raw : paths) {
    std::string path = raw;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (!seen.insert(path).second) continue;
    if (const auto* f = find(path)) items.push_back({path, f});
    else if (!path.empty() && folders_.count(path)) items.push_back({path, nullptr});
  }
  return items;
}

Page page_at(std::size_t total, std::string_view cursor, std::size_t page_size) {
  std::size_t begin = 0;
  if (!cursor.empty()) {
    auto digits = cursor.substr(cursor_prefix.size());
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), begin);
    if (!cursor.starts_with(cursor_prefix) || digits.empty() || ec != std::errc() ||
        end != digits.data() + digits.size() || begin > total) {
      throw UsageError("invalid tree cursor", "request the first page again, without a cursor");
    }
  }
  Page page;
  page.begin = begin;
  page.end = std::min(total, begin + std::max<std::size_t>(page_size, 1));
  if (page.end < total) page.next_cursor = std::string(cursor_prefix) + std::to_string(page.end);
  return page;
}

}  // namespace hfcache::mirror
