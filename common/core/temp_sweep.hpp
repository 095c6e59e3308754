#pragma once
// Leftovers of interrupted atomic writes (ours and huggingface_hub's): refs/<name>.<8hex>.tmp,
// snapshot links <name>.<8hex>.tmp, trees/tmp*.tmp, CACHEDIR.TAG.<8hex>.tmp. scan_cache_dir would
// read a stray ref file as a ref, so they are swept before a pull writes into a repo. Only files
// older than `min_age` go: a younger one may belong to a writer that is still running.
#include <chrono>
#include <cstddef>

#include "core/cache_layout.hpp"

namespace hfcache::core {

// True for the temp names above (the file name only).
bool is_atomic_write_leftover(std::string_view file_name, bool in_trees);

// Remove stale leftovers in the repo folder and at the cache root; returns how many.
std::size_t sweep_stale_temp_files(const CacheLayout& layout, const RepoRef& repo,
                                   std::chrono::seconds min_age = std::chrono::hours(24));

}  // namespace hfcache::core
