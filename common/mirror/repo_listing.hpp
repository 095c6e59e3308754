#pragma once
// The file listing of one commit, indexed for the hub's listing endpoints: lookup by path, folders
// derived from the file paths, children of a folder (recursive or not) in the hub's order, and the
// cursor pagination of the tree endpoint (docs/hub-protocol.md "Tree listing", "Pagination"). Immutable once built: a
// commit's listing never changes, so it is shared between requests.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/tree_cache.hpp"

namespace hfcache::mirror {

// One entry of a tree or paths-info answer: a file (with its TreeEntry) or a folder.
struct ListingItem {
  std::string path;
  const core::TreeEntry* file = nullptr;  // null for a folder
  bool is_folder() const { return file == nullptr; }
};

class RepoListing {
 public:
  // Entries with invalid paths are left out (they could not be served anyway). `complete`: the
  // listing is the commit's whole file list (from upstream or trees/), not only what the cache holds.
  explicit RepoListing(std::vector<core::TreeEntry> files, bool complete = true);

  bool complete() const { return complete_; }

  const std::vector<core::TreeEntry>& files() const { return files_; }  // sorted by path
  const core::TreeEntry* find(std::string_view path) const;
  bool is_folder(std::string_view path) const;  // "" (the root) is a folder

  // What GET /tree/{rev}/{folder} lists: the folder's children (all descendants when `recursive`),
  // folders and files sorted by path. nullopt when `folder` is not a folder.
  std::optional<std::vector<ListingItem>> children(std::string_view folder, bool recursive) const;

  // paths-info: the entries for these paths, unknown ones left out, in the order given.
  std::vector<ListingItem> lookup(const std::vector<std::string>& paths) const;

 private:
  std::vector<core::TreeEntry> files_;
  std::map<std::string, std::size_t, std::less<>> by_path_;
  std::set<std::string, std::less<>> folders_;
  bool complete_ = true;
};

// Tree pages: 1000 entries, 50 with expand=true (huggingface_hub list_repo_tree docstring).
inline constexpr std::size_t tree_page_size = 1000;
inline constexpr std::size_t tree_page_size_expand = 50;

struct Page {
  std::size_t begin = 0, end = 0;         // [begin, end) of the items
  std::optional<std::string> next_cursor;  // set when more items follow
};

// The page that starts at `cursor` ("" = the first). Throws UsageError for a cursor we did not make.
Page page_at(std::size_t total, std::string_view cursor, std::size_t page_size);

}  // namespace hfcache::mirror
