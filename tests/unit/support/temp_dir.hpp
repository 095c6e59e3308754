#pragma once
// A fresh folder under the system temp folder, removed with everything in it on destruction.
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "util/fs.hpp"

namespace hfcache::test_support {

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("hfcache-test-" + hfcache::util::random_hex(8));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// Write `content` to `path`, creating its folders.
inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

}  // namespace hfcache::test_support
