#pragma once
// A hub cache folder built by hand in huggingface_hub's layout (blobs named by git sha1, relative
// snapshot links, refs), for the index and maintenance unit tests.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "core/cache_layout.hpp"
#include "support/temp_dir.hpp"
#include "util/hash.hpp"

namespace hfcache::test_support {

struct TestCache {
  TempDir dir;
  std::filesystem::path root = dir.path / "hub";
  std::filesystem::path state = dir.path / "state";
  core::CacheLayout layout{root};

  static core::RepoRef model(const std::string& id) { return {core::RepoType::model, id}; }

  // Returns the blob's etag.
  std::string add_file(const core::RepoRef& repo, const std::string& commit, const std::string& path,
                       const std::string& content) const {
    auto etag = util::git_blob_sha1_hex(content);
    auto blob = layout.blob_path(repo, etag);
    if (!std::filesystem::exists(blob)) write_file(blob, content);
    auto link = layout.snapshot_file(repo, commit, path);
    std::filesystem::create_directories(link.parent_path());
    std::filesystem::create_symlink(core::snapshot_link_target(path, etag), link);
    return etag;
  }
  void set_ref(const core::RepoRef& repo, const std::string& name, const std::string& commit) const {
    write_file(layout.ref_path(repo, name), commit);
  }
  // mtimes have nanosecond resolution here, but make sure two changes never share a timestamp.
  static void tick() { std::this_thread::sleep_for(std::chrono::milliseconds(15)); }
};

inline std::string sha(char c) { return std::string(40, c); }

}  // namespace hfcache::test_support
