#pragma once
// Deleting blobs a concurrent huggingface_hub download may be about to link: each blob's
// .locks/<repo folder>/<etag>.lock is held (the lock hf_hub_download holds from download to
// symlink), then the remaining snapshots are read again, and only blobs still unlinked go.
#include <cstdint>
#include <string>
#include <vector>

#include "core/cache_layout.hpp"

namespace hfcache::maintenance {

// `names`: file names in blobs/ (an etag, or "<etag>.incomplete"). Returns the bytes deleted.
std::uint64_t delete_unlinked_blobs(const core::CacheLayout& layout, const core::RepoRef& repo,
                                    const std::vector<std::string>& names);

// Remove `dir` at once for readers: renamed aside inside `parent_dir` first, so a crash or a
// concurrent scan sees it either whole or gone, never half-deleted. Missing = nothing to do.
void remove_folder_atomically(const std::filesystem::path& dir, const std::filesystem::path& parent_dir);
// Leftovers of remove_folder_atomically interrupted by a crash (".hfcache-deleting-*"): finished by
// the next rm (remove.hpp) or swept by any command that finds the repo idle (core/temp_sweep.hpp).

}  // namespace hfcache::maintenance
