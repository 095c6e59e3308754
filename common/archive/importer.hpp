#pragma once
// hfcache import: merge an archive or a copied cache folder into the cache.
//
// Three phases, so a refused import changes nothing anyone can see:
//  1. collect (import_collect): read every member, refuse hostile or damaged input, stage file
//     contents as blobs/<etag>.<8hex>.incomplete temp files, verified against their names;
//  2. plan (import_plan): decide every blob, link, ref and trees/ listing;
//  3. commit (here): rename verified blobs into place, link snapshots, write listings, then refs.
// Any error in 1 or 2 removes the temp files and the folders the import created. A crash in 3 leaves
// only complete blobs and correct links (each write is atomic); running the import again finishes it.
// Refs are never moved to another commit unless force_refs; a kept ref is reported.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "archive/import_limits.hpp"
#include "archive/import_plan.hpp"
#include "core/cache_layout.hpp"

namespace hfcache::archive {

struct ImportOptions {
  bool dry_run = false;
  bool force_refs = false;
  bool symlinks = true;             // false: snapshot files as copies (HF_HUB_DISABLE_SYMLINKS)
  bool write_cachedir_tag = true;
  ImportLimits limits;
};

struct RepoImportReport {
  core::RepoRef repo;
  std::vector<std::string> commits;
  std::size_t blobs_new = 0, blobs_present = 0;
  std::uint64_t bytes_new = 0;
  std::size_t links_created = 0, links_ok = 0;
  std::vector<PlannedRef> refs;
  std::size_t trees_written = 0;
  std::vector<std::string> missing;
  std::vector<std::string> lfs_pointers;  // of the missing entries, those that are Git LFS pointer files
};

struct ImportReport {
  std::string source;
  bool archive = false;   // false: a folder
  bool manifest = false;
  bool dry_run = false;
  bool changed = false;   // false: the cache already held everything (a second import says so)
  std::vector<RepoImportReport> repos;
  std::vector<std::string> warnings;
};

ImportReport import_into_cache(const core::CacheLayout& layout, const std::filesystem::path& source,
                               const ImportOptions& options);

}  // namespace hfcache::archive
