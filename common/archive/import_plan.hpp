#pragma once
// The second phase of an import: decide, from what was collected, every blob, snapshot link, ref
// and listing to write. With a manifest, its revisions are the source of truth (each file's blob
// must be in the archive or the cache, with the size and sha256 it names). Without one, links come
// from what the archive holds: symlinks (any slash), text links, dereferenced copies (named by the
// trees/ listing if any, else by a blob of the same bytes, else by the hub's LFS rules).
// Nothing is written here.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "archive/import_collect.hpp"
#include "core/cache_layout.hpp"

namespace hfcache::archive {

struct PlannedBlob {
  std::string etag;
  std::uint64_t size = 0;
  std::filesystem::path staged;  // temp file to rename into place (empty in a dry run)
  bool present = false;          // the cache has it already
};

struct PlannedLink {
  std::string commit, path, etag;
};

struct PlannedRef {
  enum class Action { set, unchanged, kept, moved };
  std::string name, commit;
  std::optional<std::string> existing;  // what the cache's ref held before
  Action action = Action::set;
};
std::string_view to_string(PlannedRef::Action action);

struct PlannedRepo {
  core::RepoRef repo;
  std::vector<std::string> commits;
  std::map<std::string, PlannedBlob> blobs;  // by etag
  std::vector<PlannedLink> links;
  std::vector<PlannedRef> refs;
  std::map<std::string, std::string> trees;  // commit -> listing to write (the cache has none)
  std::vector<std::string> missing;          // snapshot entries whose bytes are nowhere
  std::vector<std::string> lfs_pointers;     // of those, entries that are Git LFS pointer files (never stored as content)
  std::vector<std::pair<std::string, std::string>> no_exist;  // commit, path: .no_exist markers to write
};

struct ImportPlan {
  bool manifest = false;
  std::vector<PlannedRepo> repos;
  std::vector<std::string> warnings;
};

// Throws UsageError (exit 2) when a manifest names content the archive and the cache lack, and
// IntegrityError (exit 6) when the content does not have the size or sha256 the manifest says.
ImportPlan plan_import(const core::CacheLayout& layout, Collected& collected, bool force_refs);

// path -> etag from a trees/<commit>.json listing; nullopt when it is not a valid listing.
std::optional<std::map<std::string, std::string>> parse_tree_listing(const std::string& text);

}  // namespace hfcache::archive
