#pragma once
// The cheap fingerprint stale() compares: the repo folders present, and per repo the mtimes of the
// repo folder, refs/ (and each ref file: huggingface_hub rewrites refs in place), snapshots/ (and
// each snapshots/<commit>/), and blobs/. A pull, rm, repair or import by any tool changes one of
// them; reading files changes none. Costs a few stat() calls per repo, never a walk of snapshots.
#include <filesystem>
#include <map>
#include <string>

namespace hfcache::index {

// folder name ("models--org--name") -> its path, for every repo folder in the cache root.
std::map<std::string, std::filesystem::path> repo_folders(const std::filesystem::path& cache_root);

// "" when the folder does not exist.
std::string repo_signature(const std::filesystem::path& repo_dir);

}  // namespace hfcache::index
