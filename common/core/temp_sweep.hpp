#pragma once
// Leftovers in a repo folder: what killed commands (hfcache's and other tools') and file managers
// leave behind, whose they are, and when each may go (docs/cache-layout.md, "Leftovers"):
//  - hfcache's own temp files: snapshot links and copies being replaced (snapshots/**/<name>.<8hex>.tmp,
//    huggingface_hub writes snapshot entries in place), refs (<name>.hfcache-<8hex>.tmp), listings
//    (trees/<commit>.json.<8hex>.tmp), staged blobs of import and repair (blobs/.hfcache-<16hex>.incomplete)
//    and folders rm moved aside (.hfcache-deleting-*): removed at any age by whoever finds the
//    repo idle (core/write_lock.hpp: no hfcache writer at work there), otherwise after a day;
//  - huggingface_hub's temp files of refs/ (<name>.<8hex>.tmp, >= 1.18), trees/ (tmpXXXXXXXX.tmp) and
//    the root (CACHEDIR.TAG.<8hex>.tmp): written and renamed at once, so only after a day;
//  - downloads' temp files in blobs/ (<etag>.incomplete, <etag>.<8hex>.incomplete, hf-hub's
//    <etag>.part and <etag>.lock): resumed (or waited for) by the next download of that blob, and
//    removed by gc after a day (maintenance/gc.cpp), never while their blob lock is held;
//  - Thumbs.db, desktop.ini, .DS_Store anywhere in the repo folder (Explorer, Finder): litter,
//    removed by repair and gc, unless the commit's listing names that file;
//  - blobs no snapshot links to, and a repo folder with no snapshot and no ref: gc (maintenance/).
#include <chrono>
#include <cstddef>
#include <string_view>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::core {

// The infix of hfcache's own ref temp names, which huggingface_hub's never carry.
inline constexpr std::string_view own_temp_tag = "hfcache-";
// The prefix of folders rm and gc move aside before deleting them.
inline constexpr std::string_view deleting_prefix = ".hfcache-deleting-";
// How old a temp file that may be someone else's must be before anyone removes it.
inline constexpr std::chrono::hours stale_age{24};

enum class LeftoverKind { own_temp, deleting_folder, hub_temp, download_temp, os_litter, orphan_blob, empty_repo };
std::string_view to_string(LeftoverKind kind);
// The command that clears a leftover of this kind (for verify's report).
std::string_view clear_command(LeftoverKind kind);

struct Leftover {
  fs::path path;
  LeftoverKind kind;
  bool stale = false;  // untouched for a day
};

// True for the temp names of atomic writes in refs/, snapshots/ and trees/ (the file name only).
bool is_atomic_write_leftover(std::string_view file_name, bool in_trees);
bool is_os_litter_name(std::string_view file_name);
// blobs/.hfcache-<16hex>.incomplete, and a fresh such name.
bool is_own_blob_temp(std::string_view file_name);
std::string own_blob_temp_name();
// <etag>.incomplete, <etag>.<8hex>.incomplete, <etag>.part, <etag>.lock.
bool is_download_temp(std::string_view file_name);

// Every leftover of the repo folder (orphan blobs and the empty folder only `with_orphans`: they
// need a scan of the snapshots). Sorted by path.
std::vector<Leftover> find_leftovers(const CacheLayout& layout, const RepoRef& repo, bool with_orphans);

struct SweepOptions {
  bool litter = false;  // also remove OS litter (repair, gc)
};
// Remove what may go now: hfcache's own temp files and aside folders (any age when the repo is idle,
// else after a day), huggingface_hub's temp files of refs/, trees/ and the root after a day, and
// with `litter` the file managers' litter. Returns how many entries went.
std::size_t sweep_leftovers(const CacheLayout& layout, const RepoRef& repo, SweepOptions options = {});

}  // namespace hfcache::core
