#pragma once
// Reading the folder to import, and nothing outside it: the listing refuses what could make an
// import read elsewhere (links that leave the folder, links to folders, devices, FIFOs, sockets),
// and files are opened beneath the folder, so a link swapped in after the listing cannot escape it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/fs.hpp"

namespace hfcache::local_model {

struct SourceFile {
  std::string path;  // in repo: relative, '/'-separated, validated
};

class SourceFolder {
 public:
  // Throws UsageError when `root` is missing or no folder, or when `cache_root` lies inside it
  // (outside the folders the listing skips).
  SourceFolder(const std::filesystem::path& root, const std::filesystem::path& cache_root);

  // Regular files (and links to regular files inside the folder), sorted by path. Skips .git/,
  // .cache/huggingface/, __pycache__/ and .DS_Store. Throws UsageError naming the first hostile
  // entry or invalid path.
  std::vector<SourceFile> list() const;

  // Open `path` read-only, never resolving outside the folder; must be a regular file. Throws
  // UsageError for anything else, std::system_error when it cannot be read.
  util::UniqueFd open(const std::string& path) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;  // canonical
  util::UniqueFd root_fd_;
};

}  // namespace hfcache::local_model
